// One behavioural suite every link implementation must pass (in-memory and
// TLS WebSocket): requests, errors, timeouts, cancellation, authorization,
// events, backpressure and removal.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isEdgeError } from '../../runtime/common/errors.js';
import type { PairFactory } from './support.js';
import { waitFor } from './support.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function collectGarbage(): void {
  gc();
  gc();
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isEdgeError(error, code), `expected ${code}, got ${(error as { code?: string }).code}: ${(error as Error).message}`);
    return error as Error;
  }
  throw new Error(`expected a rejection with ${code}, but the call succeeded`);
}

export function linkConformance(test: Test, makePair: PairFactory): void {
  test('a request gets the handler’s answer', async () => {
    const pair = await makePair('worker');
    try {
      assert.equal(await pair.client.request('test.echo', { text: 'hello' }), { text: 'hello' });
    } finally {
      await pair.close();
    }
  });

  test('a handler’s failure reaches the caller as an error with a code, and the link stays up', async () => {
    const pair = await makePair('worker');
    try {
      await rejectsWith(pair.client.request('test.fail', null), 'EDGE_INTERNAL');
      assert.equal(await pair.client.request('test.echo', { text: 'still up' }), { text: 'still up' });
    } finally {
      await pair.close();
    }
  });

  test('a slow answer times out with EDGE_LINK_TIMEOUT and the peer’s handler is cancelled', async () => {
    const pair = await makePair('worker');
    try {
      await rejectsWith(pair.client.request('test.wait', { ms: 2000 }, { timeoutMs: 50 }), 'EDGE_LINK_TIMEOUT');
      await waitFor(() => pair.log.aborted.includes('test.wait 2000'));
      assert.is(pair.client.inflightRequests, 0);
    } finally {
      await pair.close();
    }
  });

  test('aborting a request rejects it and cancels it at the peer', async () => {
    const pair = await makePair('worker');
    try {
      const controller = new AbortController();
      const call = pair.client.request('test.wait', { ms: 1500 }, { signal: controller.signal });
      setTimeout(() => controller.abort(), 30);
      await rejectsWith(call, 'EDGE_LINK_CANCELLED');
      await waitFor(() => pair.log.aborted.includes('test.wait 1500'));
    } finally {
      await pair.close();
    }
  });

  test('a worker calling a manager-only method is refused with EDGE_LINK_FORBIDDEN; a manager is served', async () => {
    const worker = await makePair('worker');
    try {
      const error = await rejectsWith(worker.client.request('test.managerOnly', null), 'EDGE_LINK_FORBIDDEN');
      assert.match(error.message, /role worker/);
    } finally {
      await worker.close();
    }
    const manager = await makePair('manager');
    try {
      assert.equal(await manager.client.request('test.managerOnly', null), { ok: 1 });
    } finally {
      await manager.close();
    }
  });

  test('a method with no handler is answered with EDGE_LINK_NO_HANDLER', async () => {
    const pair = await makePair('manager');
    try {
      await rejectsWith(pair.client.request('test.unhandled', {}), 'EDGE_LINK_NO_HANDLER');
    } finally {
      await pair.close();
    }
  });

  test('a request body that breaks its schema is refused before sending', async () => {
    const pair = await makePair('worker');
    try {
      await rejectsWith(pair.client.request('test.echo', { text: 42 }), 'EDGE_WIRE_SCHEMA_VIOLATION');
      assert.ok(pair.client.isOpen);
    } finally {
      await pair.close();
    }
  });

  test('events arrive in order; a forbidden event closes the sender’s link', async () => {
    const pair = await makePair('worker');
    try {
      for (let n = 0; n < 20; n++) pair.client.notify('test.note', { n, pad: new Uint8Array(0) });
      await waitFor(() => pair.log.notes.length === 20);
      assert.equal(pair.log.notes, [...Array(20).keys()]);
      pair.client.notify('test.managerNote', { x: 1 });
      await waitFor(() => !pair.client.isOpen);
      assert.not.ok(pair.log.notes.includes(-1), 'the forbidden event must not reach its handler');
    } finally {
      await pair.close();
    }
  });

  test('a reader that stops reading cannot make the sender’s queue grow past its bound', async () => {
    const queueMax = 256 * 1024;
    const pair = await makePair('worker', { sendQueueBytesMax: queueMax });
    try {
      pair.server().pauseReading();
      const pad = new Uint8Array(16 * 1024);
      let sent = 0;
      let refused = 0;
      let peakQueue = 0;
      collectGarbage();
      const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
      for (let n = 0; n < 4000; n++) {
        try {
          pair.client.notify('test.note', { n, pad });
          sent++;
        } catch (error) {
          assert.ok(isEdgeError(error, 'EDGE_LINK_BACKPRESSURE'), String(error));
          refused++;
        }
        peakQueue = Math.max(peakQueue, pair.client.sendQueueBytes);
        if (n % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      // Measured after a collection: what the sender still holds, not garbage waiting for the collector.
      collectGarbage();
      const heapGrowth = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - heapBefore;
      assert.ok(refused > 0, 'a full queue must refuse sends');
      assert.ok(peakQueue <= queueMax + 17 * 1024, `queue peaked at ${peakQueue} bytes, bound ${queueMax}`);
      // 4000 × 16 KiB = 64 MiB offered; what the sender holds must stay near the queue bound plus socket buffers.
      assert.ok(heapGrowth < 16 * 1024 * 1024, `sender memory grew by ${heapGrowth} bytes`);
      pair.server().resumeReading();
      await waitFor(() => pair.log.notes.length === sent, 10_000);
    } finally {
      await pair.close();
    }
  });

  test('removing the peer’s node closes its link and fails its calls', async () => {
    const pair = await makePair('worker');
    try {
      const pending = pair.client.request('test.wait', { ms: 5000 });
      pair.denyList.denyNode(pair.server().peer.nodeId);
      const error = await rejectsWith(pending, 'EDGE_LINK_NODE_REMOVED');
      assert.match(error.message, /removed/);
      assert.not.ok(pair.client.isOpen);
    } finally {
      await pair.close();
    }
  });
}
