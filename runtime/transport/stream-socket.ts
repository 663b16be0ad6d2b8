// Frames over a byte stream (the local control socket): each frame is a
// 4-byte big-endian length and that many bytes. Lighter than a WebSocket for
// a unix socket that only edgectl on the same board uses, so an idle agent
// does not load the WebSocket stack before it joins a cluster.
import type { Socket } from 'node:net';
import { closeCodes, type FrameSocket } from './frames.js';

const headerBytes = 4;

export function streamFrameSocket(socket: Socket, frameBytesMax: number): FrameSocket {
  let frameListener: (bytes: Uint8Array) => void = () => {};
  let closeListener: (code: number, reason: string) => void = () => {};
  let buffered: Buffer = Buffer.alloc(0);
  let closed = false;
  const close = (code: number, reason: string): void => {
    if (closed) return;
    closed = true;
    socket.destroy();
    closeListener(code, reason);
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= headerBytes) {
      const length = buffered.readUInt32BE(0);
      if (length > frameBytesMax) {
        close(1009, `frame of ${length} bytes exceeds ${frameBytesMax}`);
        return;
      }
      if (buffered.length < headerBytes + length) return;
      const frame = buffered.subarray(headerBytes, headerBytes + length);
      buffered = buffered.subarray(headerBytes + length);
      frameListener(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength));
      if (closed) return;
    }
  });
  socket.on('close', () => close(closeCodes.abnormal, 'connection closed'));
  socket.on('error', () => close(closeCodes.abnormal, 'connection failed'));
  return {
    send(bytes, done) {
      if (closed) {
        queueMicrotask(() => done(new Error('socket closed')));
        return;
      }
      const header = Buffer.alloc(headerBytes);
      header.writeUInt32BE(bytes.byteLength, 0);
      socket.write(header);
      socket.write(bytes, (error) => done(error ?? undefined));
    },
    close(code, reason) {
      if (closed) return;
      socket.end(() => close(code, reason));
      setTimeout(() => close(code, reason), 1000).unref();
    },
    onFrame(listener) {
      frameListener = listener;
    },
    onClose(listener) {
      closeListener = listener;
    },
    pause() {
      socket.pause();
    },
    resume() {
      socket.resume();
    },
  };
}
