// Length-prefixed frames over a byte stream (the control socket): frames
// split or merged by the stream arrive whole, and a declared length over the
// limit closes the connection instead of buffering.
import { createServer, connect, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { streamFrameSocket } from '../../runtime/transport/stream-socket.js';

async function pair(): Promise<{ client: Socket; server: Socket; close(): void }> {
  let accepted: Socket | undefined;
  const server = createServer((socket) => (accepted = socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  while (!accepted) await new Promise((resolve) => setTimeout(resolve, 5));
  return { client, server: accepted, close: () => { client.destroy(); accepted?.destroy(); server.close(); } };
}

function header(length: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(length, 0);
  return bytes;
}

test('frames arrive whole however the stream cuts them', async () => {
  const { client, server, close } = await pair();
  try {
    const received: string[] = [];
    streamFrameSocket(server, 1024).onFrame((bytes) => received.push(Buffer.from(bytes).toString()));
    const stream = Buffer.concat([header(5), Buffer.from('hello'), header(0), header(3), Buffer.from('abc')]);
    // One byte at a time: every split point, including inside the length header.
    for (const byte of stream) {
      client.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(received, ['hello', '', 'abc']);
  } finally {
    close();
  }
});

test('a frame declared longer than the limit closes the connection', async () => {
  const { client, server, close } = await pair();
  try {
    const socket = streamFrameSocket(server, 1024);
    const frames: Uint8Array[] = [];
    socket.onFrame((bytes) => frames.push(bytes));
    const closed = new Promise<[number, string]>((resolve) => socket.onClose((code, reason) => resolve([code, reason])));
    client.write(header(1025));
    const [code, reason] = await closed;
    assert.is(code, 1009);
    assert.match(reason, /exceeds 1024/);
    assert.is(frames.length, 0);
  } finally {
    close();
  }
});

test('what one side sends, the other reads as the same frames', async () => {
  const { client, server, close } = await pair();
  try {
    const sender = streamFrameSocket(client, 1024);
    const received: string[] = [];
    streamFrameSocket(server, 1024).onFrame((bytes) => received.push(Buffer.from(bytes).toString()));
    await new Promise<void>((resolve) => sender.send(new TextEncoder().encode('one'), () => resolve()));
    await new Promise<void>((resolve) => sender.send(new TextEncoder().encode('two'), () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(received, ['one', 'two']);
  } finally {
    close();
  }
});

test.run();
