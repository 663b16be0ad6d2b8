// The one conformance suite every Executor passes: the OCI executor with real
// runc containers (conformance-oci.test.ts) and the fake
// (conformance-fake.test.ts). It speaks in behaviours ("exits 7 after a
// second", "ignores SIGTERM"); each subject turns a behaviour into a spec its
// executor runs, so the assertions are shared word for word.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { isEdgeError } from '../../../runtime/common/errors.js';
import type { ContainerSpec, Executor } from '../../../runtime/containers/executor/types.js';
import { collect } from './support.js';

export type Behaviour =
  | { kind: 'exit'; code: number; afterMs?: number; stdout?: string[]; stderr?: string[] }
  /** Exits 0 when sent SIGTERM. */
  | { kind: 'until-term' }
  /** Ignores SIGTERM; only SIGKILL ends it. */
  | { kind: 'ignore-term' };

export interface ConformanceSubject {
  /** A new executor object over the subject's state; the previous one, if any, is closed first. */
  open(): Promise<Executor>;
  spec(id: string, behaviour: Behaviour): ContainerSpec;
  /** A command that exits with `code` when exec'ed in a running container. */
  execCommand(code: number): string[];
  newId(label: string): string;
  cleanup(): Promise<void>;
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isEdgeError(error, code), `expected ${code}, got ${String((error as Error).message ?? error)}`);
    return;
  }
  assert.unreachable(`expected a rejection with ${code}`);
}

export function defineConformance(test: Test, subject: ConformanceSubject): void {
  let executor: Executor;
  test.before(async () => {
    executor = await subject.open();
  });
  test.after(async () => {
    await executor.close().catch(() => undefined);
    await subject.cleanup();
  });

  test('create leaves a container "created", with no pid, visible in list()', async () => {
    // Proves create is exactly one step: nothing runs until start.
    const id = subject.newId('create');
    const status = await executor.create(subject.spec(id, { kind: 'until-term' }));
    assert.is(status.state, 'created');
    assert.is(status.pid, null);
    assert.is(status.exit, null);
    assert.ok((await executor.list()).some((entry) => entry.id === id && entry.state === 'created'));
    await executor.remove(id);
  });

  test('start moves created → running with a pid, and only once', async () => {
    // Proves the created→running transition and that a second start is refused, not repeated.
    const id = subject.newId('start');
    await executor.create(subject.spec(id, { kind: 'until-term' }));
    const running = await executor.start(id);
    assert.is(running.state, 'running');
    assert.ok(typeof running.pid === 'number' && running.pid > 0, 'running container has a pid');
    assert.ok(running.startedAtMs !== null);
    await rejectsWithCode(executor.start(id), 'EDGE_CONTAINER_WRONG_STATE');
    await executor.stop(id, { graceMs: 5000 });
    await executor.remove(id);
  });

  test('wait reports the exit code of a container that ends on its own', async () => {
    // Proves the exit code reaches the agent (7, not a generic failure) and the state becomes "exited".
    const id = subject.newId('exit');
    await executor.create(subject.spec(id, { kind: 'exit', code: 7, afterMs: 300 }));
    await executor.start(id);
    const exit = await executor.wait(id);
    assert.is(exit.exitCode, 7);
    assert.is(exit.oomKilled, false);
    assert.is(exit.stopRequested, false);
    assert.is((await executor.inspect(id)).state, 'exited');
    assert.equal(await executor.wait(id), exit, 'waiting again returns the same record');
    await executor.remove(id);
  });

  test('stop ends a container that handles SIGTERM within the grace period', async () => {
    // Proves SIGTERM is sent first: the handler's exit code 0 comes back, long before the grace ends.
    const id = subject.newId('term');
    await executor.create(subject.spec(id, { kind: 'until-term' }));
    await executor.start(id);
    const startedMs = performance.now();
    const exit = await executor.stop(id, { graceMs: 8000 });
    const elapsedMs = performance.now() - startedMs;
    assert.is(exit.exitCode, 0);
    assert.is(exit.stopRequested, true);
    assert.ok(elapsedMs < 8000, `stopped by SIGTERM in ${elapsedMs.toFixed(0)} ms, before the grace`);
    assert.is((await executor.inspect(id)).state, 'stopped');
    await executor.remove(id);
  });

  test('stop kills a container that ignores SIGTERM once the grace period is over', async () => {
    // Proves the escalation: SIGKILL (137) and not before the grace period has passed.
    const id = subject.newId('ignore');
    await executor.create(subject.spec(id, { kind: 'ignore-term' }));
    await executor.start(id);
    const startedMs = performance.now();
    const exit = await executor.stop(id, { graceMs: 600 });
    const elapsedMs = performance.now() - startedMs;
    assert.is(exit.exitCode, 137);
    assert.ok(elapsedMs >= 590, `SIGKILL came after ${elapsedMs.toFixed(0)} ms, not before the 600 ms grace`);
    assert.is((await executor.inspect(id)).state, 'stopped');
    await executor.remove(id);
  });

  test('stop of a container that already ended changes nothing', async () => {
    // Proves stop is not a transition out of "exited": the status stays the container's own.
    const id = subject.newId('stop-ended');
    await executor.create(subject.spec(id, { kind: 'exit', code: 3 }));
    await executor.start(id);
    await executor.wait(id);
    const exit = await executor.stop(id, { graceMs: 100 });
    assert.is(exit.exitCode, 3);
    assert.is(exit.stopRequested, false);
    assert.is((await executor.inspect(id)).state, 'exited');
    await executor.remove(id);
  });

  test('remove refuses a running container and deletes an ended one', async () => {
    // Proves remove is only allowed from a terminal state and that afterwards the id is unknown.
    const id = subject.newId('remove');
    await executor.create(subject.spec(id, { kind: 'until-term' }));
    await executor.start(id);
    await rejectsWithCode(executor.remove(id), 'EDGE_CONTAINER_WRONG_STATE');
    await executor.stop(id, { graceMs: 5000 });
    await executor.remove(id);
    await rejectsWithCode(executor.inspect(id), 'EDGE_CONTAINER_NOT_FOUND');
    assert.not.ok((await executor.list()).some((entry) => entry.id === id));
    const again = await executor.create(subject.spec(id, { kind: 'exit', code: 0 }));
    assert.is(again.state, 'created', 'the id is free again after remove');
    await executor.remove(id);
  });

  test('unknown ids, duplicate ids, bad specs and early waits are refused with their codes', async () => {
    // Proves each misuse gets its stable code instead of a crash or a silent no-op.
    const missing = subject.newId('missing');
    await rejectsWithCode(executor.start(missing), 'EDGE_CONTAINER_NOT_FOUND');
    await rejectsWithCode(executor.wait(missing), 'EDGE_CONTAINER_NOT_FOUND');
    await rejectsWithCode(executor.stop(missing), 'EDGE_CONTAINER_NOT_FOUND');
    await rejectsWithCode(executor.remove(missing), 'EDGE_CONTAINER_NOT_FOUND');
    await rejectsWithCode(collect(executor.logs(missing)), 'EDGE_CONTAINER_NOT_FOUND');
    const id = subject.newId('dup');
    await executor.create(subject.spec(id, { kind: 'exit', code: 0 }));
    await rejectsWithCode(executor.create(subject.spec(id, { kind: 'exit', code: 0 })), 'EDGE_CONTAINER_EXISTS');
    await rejectsWithCode(executor.wait(id), 'EDGE_CONTAINER_WRONG_STATE');
    await rejectsWithCode(executor.stats(id), 'EDGE_CONTAINER_WRONG_STATE');
    await rejectsWithCode(executor.create({ ...subject.spec(subject.newId('bad'), { kind: 'exit', code: 0 }), args: [] }), 'EDGE_CONTAINER_SPEC_INVALID');
    await rejectsWithCode(executor.create({ ...subject.spec('../escape', { kind: 'exit', code: 0 }) }), 'EDGE_CONTAINER_SPEC_INVALID');
    await executor.remove(id);
  });

  test('logs keep stdout and stderr apart and in order', async () => {
    // Proves both streams are captured, each line once, on the right stream.
    const id = subject.newId('logs');
    await executor.create(subject.spec(id, { kind: 'exit', code: 0, stdout: ['one', 'two', 'three'], stderr: ['warn1', 'warn2'] }));
    await executor.start(id);
    await executor.wait(id);
    const lines = await collect(executor.logs(id));
    assert.equal(lines.filter((line) => line.stream === 'stdout').map((line) => line.text), ['one', 'two', 'three']);
    assert.equal(lines.filter((line) => line.stream === 'stderr').map((line) => line.text), ['warn1', 'warn2']);
    const onlyErr = await collect(executor.logs(id, { streams: ['stderr'] }));
    assert.equal(onlyErr.map((line) => line.text), ['warn1', 'warn2']);
    await executor.remove(id);
  });

  test('logs with follow deliver the lines and end when the container exits', async () => {
    // Proves a follower neither stops early (misses lines) nor hangs after the exit.
    const id = subject.newId('follow');
    await executor.create(subject.spec(id, { kind: 'exit', code: 0, afterMs: 500, stdout: ['alpha', 'beta'] }));
    await executor.start(id);
    const lines = await collect(executor.logs(id, { follow: true, streams: ['stdout'] }));
    assert.equal(lines.map((line) => line.text), ['alpha', 'beta']);
    assert.is((await executor.inspect(id)).state, 'exited', 'follow ended only after the exit');
    await executor.remove(id);
  });

  test('exec runs a command in a running container and reports its exit code', async () => {
    // Proves exec (what health checks use) returns the command's own status, success and failure alike.
    const id = subject.newId('exec');
    await executor.create(subject.spec(id, { kind: 'until-term' }));
    await executor.start(id);
    assert.is((await executor.exec(id, subject.execCommand(0), { timeoutMs: 5000 })).exitCode, 0);
    assert.is((await executor.exec(id, subject.execCommand(4), { timeoutMs: 5000 })).exitCode, 4);
    await executor.stop(id, { graceMs: 5000 });
    await rejectsWithCode(executor.exec(id, subject.execCommand(0), { timeoutMs: 5000 }), 'EDGE_CONTAINER_WRONG_STATE');
    await executor.remove(id);
  });

  test('a wait can be aborted without touching the container', async () => {
    // Proves an aborted wait rejects with EDGE_OPERATION_ABORTED and the container keeps running.
    const id = subject.newId('abort');
    await executor.create(subject.spec(id, { kind: 'until-term' }));
    await executor.start(id);
    const controller = new AbortController();
    const waiting = executor.wait(id, { signal: controller.signal });
    controller.abort();
    await rejectsWithCode(waiting, 'EDGE_OPERATION_ABORTED');
    assert.is((await executor.inspect(id)).state, 'running');
    await executor.stop(id, { graceMs: 5000 });
    await executor.remove(id);
  });

  test('a new executor adopts a running container and later gets its exit code', async () => {
    // Proves the agent can be discarded and recreated: the container survives, is seen running, and its exit is not lost.
    const running = subject.newId('adopt');
    const finished = subject.newId('adopt-done');
    await executor.create(subject.spec(running, { kind: 'exit', code: 5, afterMs: 1500 }));
    await executor.start(running);
    await executor.create(subject.spec(finished, { kind: 'exit', code: 9, afterMs: 100 }));
    await executor.start(finished);
    executor = await subject.open(); // the old executor object is closed and dropped
    const seen = await executor.inspect(running);
    assert.is(seen.state, 'running');
    assert.equal((await executor.wait(finished)).exitCode, 9, 'an exit that happened with no agent watching is collected');
    assert.is((await executor.wait(running)).exitCode, 5);
    await executor.remove(running);
    await executor.remove(finished);
  });
}
