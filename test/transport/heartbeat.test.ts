// Link heartbeats: an idle link stays open on few frames, a busy one needs no
// pings from the side that keeps hearing traffic, and silence still closes it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Router } from '../../runtime/transport/link.js';
import { memoryLinkPair } from '../../runtime/transport/memory.js';
import { codec, testPolicy } from './support.js';

const manager = { nodeId: 'left', role: 'manager' as const, clusterId: 'c', serial: '01' };
const worker = { nodeId: 'right', role: 'worker' as const, clusterId: 'c', serial: '02' };

/** Left dials and pings; right answers, as node links run (see NodeNetwork). */
function countedPair(options: { heartbeatIntervalMs: number; heartbeatTimeoutMs: number }) {
  const pair = memoryLinkPair({
    codec,
    policy: testPolicy(),
    left: { identity: manager, router: new Router() },
    right: { identity: worker, router: new Router().on('test.note', () => {}) },
    options,
  });
  (pair.right.link as unknown as { options: { sendsHeartbeats: boolean } }).options.sendsHeartbeats = false;
  const sent = { left: 0, right: 0 };
  for (const side of ['left', 'right'] as const) {
    const socket = pair[side].socket;
    const send = socket.send.bind(socket);
    socket.send = (bytes, done) => {
      sent[side]++;
      send(bytes, done);
    };
  }
  return { ...pair, sent };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('an idle link costs one ping and one pong per interval, not two of each', async () => {
  const { left, right, sent } = countedPair({ heartbeatIntervalMs: 50, heartbeatTimeoutMs: 1000 });
  await sleep(1000);
  assert.ok(left.link.isOpen && right.link.isOpen, 'the idle link stays open');
  // One side pinging every 50 ms: ~20 pings and 20 pongs; both sides pinging would be twice that.
  const frames = sent.left + sent.right;
  assert.ok(frames >= 20, `heartbeats still flow (${frames} frames)`);
  assert.ok(frames <= 46, `${frames} frames in 1 s at a 50 ms interval: only one side should ping`);
  assert.ok(Math.abs(sent.left - sent.right) <= 1, `pings (${sent.left}) and pongs (${sent.right}) pair up`);
  left.link.close();
});

test('the pinging side sends no heartbeat while traffic flows both ways', async () => {
  const { left, right, sent } = countedPair({ heartbeatIntervalMs: 50, heartbeatTimeoutMs: 1000 });
  let n = 0;
  const timer = setInterval(() => {
    right.link.notify('test.note', { n, pad: new Uint8Array(0) });
    left.link.notify('test.note', { n: n++, pad: new Uint8Array(0) });
  }, 10);
  await sleep(600);
  clearInterval(timer);
  assert.ok(n > 30);
  assert.is(sent.left, n, `left sent ${sent.left - n} pings on top of ${n} notes while hearing a note every 10 ms`);
  assert.ok(left.link.isOpen);
  left.link.close();
});

test('traffic in one direction only does not silence the pinger: the side that does not ping must keep hearing it', async () => {
  // The right side (which never pings) talks a lot; the left only listens. Were the left to skip its pings because it
  // hears plenty, the right would hear nothing and drop a healthy link after its timeout.
  const { left, right, sent } = countedPair({ heartbeatIntervalMs: 50, heartbeatTimeoutMs: 300 });
  let n = 0;
  const timer = setInterval(() => right.link.notify('test.note', { n: n++, pad: new Uint8Array(0) }), 10);
  await sleep(800);
  clearInterval(timer);
  assert.ok(right.link.isOpen && left.link.isOpen, 'a one-way busy link stays open');
  assert.ok(sent.left >= 8, `the left kept pinging (${sent.left} pings in 800 ms at a 50 ms interval)`);
  left.link.close();
});

test('a peer that goes silent is still dropped after the timeout', async () => {
  const { left, right } = countedPair({ heartbeatIntervalMs: 50, heartbeatTimeoutMs: 300 });
  // The right side stops answering anything: its socket swallows every frame.
  right.socket.send = (_bytes, done) => done();
  const closed = new Promise<string>((resolve) => left.link.onClose((error) => resolve(error.message)));
  const reason = await Promise.race([closed, sleep(2000).then(() => 'still open')]);
  assert.match(reason, /nothing heard/);
  right.link.close();
});

test.run();
