// The status reporter on its own: pacing (at once after a quiet spell, batched by time after a message) and batching by count, retry after a
// send that throws, coalescing per task, the inferred acknowledgement by a
// newer assignment version, re-sending on a new session, and its bound.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { StatusReporter } from '../../runtime/agent/status-reporter.js';
import { ManualTimers } from '../../runtime/containers/executor/index.js';
import type { TaskStatus } from '../../runtime/wire/messages/dispatcher.js';

const test = suite('status reporter');

function setup(options: { batchMax?: number; tasksMax?: number } = {}) {
  const timers = new ManualTimers();
  const batches: TaskStatus[][] = [];
  const control = { fail: false };
  const reporter = new StatusReporter({
    send: (body) => {
      if (control.fail) throw Object.assign(new Error('send queue full'), { code: 'EDGE_LINK_BACKPRESSURE' });
      batches.push(body.updates);
    },
    timers,
    flushIntervalMs: 150,
    batchMax: options.batchMax ?? 100,
    tasksMax: options.tasksMax ?? 1000,
    log: () => undefined,
  });
  const ids = (batch: TaskStatus[] | undefined): string[] => (batch ?? []).map((status) => `${status.taskId}:${status.state}`);
  return { timers, batches, control, reporter, ids };
}

function status(taskId: string, state: TaskStatus['state'] = 'running'): TaskStatus {
  return { taskId, state, message: '', error: '', containerId: taskId, atMs: 0 };
}

test('the first change after a quiet spell goes out on the next turn; changes within the interval after it go out together', () => {
  // Proves the pacing: no window before a lone change, time-based batching after a message.
  const { timers, batches, reporter, ids } = setup();
  reporter.openSession();
  reporter.record(status('a', 'starting'));
  reporter.record(status('b', 'starting'));
  timers.advance(0);
  assert.equal(batches.map(ids), [['a:starting', 'b:starting']], 'changes of the same turn travel together, without waiting');
  timers.advance(100);
  reporter.record(status('a'));
  reporter.record(status('b'));
  assert.is(batches.length, 1);
  timers.advance(49);
  assert.is(batches.length, 1, 'within the interval after a message, changes wait');
  timers.advance(1);
  assert.equal(batches.map(ids), [['a:starting', 'b:starting'], ['a:running', 'b:running']]);
  timers.advance(1000);
  reporter.record(status('c'));
  timers.advance(0);
  assert.is(batches.length, 3, 'after a quiet interval, the next change goes at once again');
});

test('a full batch goes out at once; larger backlogs are split at batchMax', () => {
  // Proves count-based flushing and the per-message bound.
  const { batches, reporter } = setup({ batchMax: 3, tasksMax: 10 });
  reporter.record(status('a'));
  reporter.record(status('b'));
  reporter.record(status('c'));
  reporter.record(status('d'));
  reporter.openSession();
  assert.equal(batches.map((batch) => batch.length), [3, 1], 'the backlog split at 3');
  reporter.record(status('e'));
  reporter.record(status('f'));
  assert.is(batches.length, 2);
  reporter.record(status('g'));
  assert.equal(batches.map((batch) => batch.length), [3, 1, 3], 'sent the moment 3 were waiting');
});

test('only the latest status of a task is sent', () => {
  // Proves coalescing: the manager gets the newest observation, not the path to it.
  const { timers, batches, reporter, ids } = setup();
  reporter.openSession();
  reporter.record(status('a', 'preparing'));
  reporter.record(status('a', 'starting'));
  reporter.record(status('a', 'running'));
  timers.advance(150);
  assert.equal(batches.map(ids), [['a:running']]);
});

test('a send that throws keeps the batch and retries one interval later', () => {
  // Proves backpressure loses nothing.
  const { timers, batches, control, reporter, ids } = setup();
  reporter.openSession();
  control.fail = true;
  reporter.record(status('a'));
  timers.advance(0);
  assert.is(batches.length, 0);
  assert.is(reporter.counters.sendFailures, 1);
  control.fail = false;
  timers.advance(149);
  assert.is(batches.length, 0, 'no retry before the interval');
  timers.advance(1);
  assert.equal(batches.map(ids), [['a:running']]);
});

test('nothing is sent offline; a new session sends the backlog at once', () => {
  // Proves statuses wait for a session rather than being dropped.
  const { timers, batches, reporter, ids } = setup();
  reporter.record(status('a'));
  timers.advance(1000);
  assert.is(batches.length, 0);
  reporter.openSession();
  assert.equal(batches.map(ids), [['a:running']]);
});

test('a newer assignment version on the same session acknowledges; unacknowledged statuses go out again on the next session', () => {
  // Proves the inferred acknowledgement and the re-send it drives.
  const { timers, batches, reporter, ids } = setup();
  reporter.openSession();
  reporter.assignmentReceived(5);
  reporter.record(status('a'));
  reporter.record(status('b'));
  timers.advance(150);
  reporter.assignmentReceived(5);
  assert.is(reporter.unacknowledgedCount, 2, 'the same version acknowledges nothing');
  reporter.assignmentReceived(6);
  assert.is(reporter.unacknowledgedCount, 0, 'a newer version acknowledges both');
  reporter.record(status('later'));
  timers.advance(150);
  assert.is(reporter.unacknowledgedCount, 1);
  reporter.closeSession();
  batches.length = 0;
  reporter.openSession();
  assert.equal(batches.map(ids), [['later:running']], 'only the unacknowledged status is sent again');
});

test('the re-send before hello is acknowledged by the session first assignment; a status sent after hello needs a newer one', () => {
  // Proves the ordering rule that keeps a crossing assignment from acknowledging what the manager has not read.
  const { batches, reporter } = setup();
  reporter.record(status('before-hello'));
  reporter.openSession();
  assert.is(batches.length, 1);
  reporter.record(status('after-hello'));
  reporter.flush();
  reporter.assignmentReceived(1);
  assert.is(reporter.unacknowledgedCount, 1, 'only after-hello is still unacknowledged');
  reporter.assignmentReceived(2);
  assert.is(reporter.unacknowledgedCount, 0);
});

test('the reporter keeps at most tasksMax tasks, dropping the oldest sent status first, and counts drops', () => {
  // Proves the bound on kept statuses.
  const { reporter } = setup({ batchMax: 2, tasksMax: 3 });
  reporter.openSession();
  reporter.record(status('a'));
  reporter.record(status('b'));
  assert.is(reporter.unacknowledgedCount, 2);
  reporter.record(status('c'));
  reporter.record(status('d'));
  assert.is(reporter.pendingCount + reporter.unacknowledgedCount <= 3, true);
  assert.is(reporter.counters.dropped, 1);
});

test.run();
