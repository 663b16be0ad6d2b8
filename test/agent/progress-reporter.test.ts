// Pull progress: per-layer events summed per task, at most one event per
// interval per task (latest figure, trailing), the final "done" at once, and
// nothing sent (or queued) without a session.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ProgressReporter, type ProgressEvent } from '../../runtime/agent/progress-reporter.js';
import { ManualClock } from '../../runtime/common/clock.js';
import { ManualTimers } from '../../runtime/containers/executor/index.js';

const test = suite('progress reporter');
const layerA = `sha256:${'a'.repeat(64)}` as const;
const layerB = `sha256:${'b'.repeat(64)}` as const;

function setup() {
  const timers = new ManualTimers();
  const clock = new ManualClock(0);
  const sent: ProgressEvent[] = [];
  const reporter = new ProgressReporter({ send: (event) => sent.push(event), timers, clock, intervalMs: 500 });
  reporter.setOnline(true);
  const advance = (ms: number): void => {
    clock.advance(ms);
    timers.advance(ms);
  };
  return { reporter, sent, advance };
}

test('a burst of events becomes at most two per second per task, carrying the latest sum', () => {
  // Proves the throttle (leading event, then one trailing event per interval) and the aggregation over layers.
  const { reporter, sent, advance } = setup();
  const listener = reporter.listenerFor('t1');
  listener({ phase: 'resolved', reference: 'r', imageId: layerA, layers: [{ digest: layerA, totalBytes: 1000 }, { digest: layerB, totalBytes: 3000 }] });
  for (let tick = 1; tick <= 100; tick++) {
    listener({ phase: 'download', digest: layerB, bytesDone: tick * 30, bytesTotal: 3000 });
    if (tick === 50) listener({ phase: 'exists', digest: layerA, bytesTotal: 1000 });
    advance(10);
  }
  // 1000 ms of events: the leading one at 0 ms, then one per 500 ms.
  assert.ok(sent.length <= 3, `sent ${sent.length}`);
  advance(500);
  const last = sent.at(-1)!;
  assert.equal(last, { taskId: 't1', phase: 'download', bytesDone: 4000, bytesTotal: 4000 });
});

test('"done" goes out at once and ends the task', () => {
  // Proves the final event is never held back by the throttle.
  const { reporter, sent, advance } = setup();
  const listener = reporter.listenerFor('t1');
  listener({ phase: 'resolved', reference: 'r', imageId: layerA, layers: [{ digest: layerA, totalBytes: 10 }] });
  listener({ phase: 'done', imageId: layerA });
  assert.equal(sent.map((event) => event.phase), ['resolved', 'done']);
  reporter.end('t1');
  listener({ phase: 'download', digest: layerA, bytesDone: 5, bytesTotal: 10 });
  advance(1000);
  assert.is(sent.length, 2, 'a listener of an ended pull says nothing');
});

test('without a session, progress is dropped, not queued', () => {
  // Proves progress costs no memory while offline.
  const { reporter, sent } = setup();
  reporter.setOnline(false);
  const listener = reporter.listenerFor('t1');
  listener({ phase: 'resolved', reference: 'r', imageId: layerA, layers: [] });
  assert.is(sent.length, 0);
  assert.is(reporter.counters.dropped, 1);
});

test.run();
