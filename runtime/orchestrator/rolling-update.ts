// Rolling updates and rollbacks of replicated and global services. A spec
// change bumps specVersion; holders made from an older version are then
// outdated and replaced, a few at a time, by this state machine (the state
// lives in service.updateStatus, the progress in the tasks):
//
//   none/completed/rolled-back --outdated holders--> updating
//   updating     --nothing outdated or in flight--> completed
//   updating     --failures > ratio, failureAction pause--> paused
//   updating     --failures > ratio, failureAction rollback--> rolling-back
//                  (rollbackService: spec ← previousSpec, version ← its version)
//   rolling-back --nothing outdated or in flight--> rolled-back
//   rolling-back --failures > ratio--> paused (a rollback is not rolled back)
//   paused       stays paused until the control API starts a new update
//                (it sets updateStatus to updating when it bumps the version)
//
// Failures are current-version tasks created since the update started that
// ended failed or rejected (the restart stage may still restart them); the
// update reacts once failures > maxFailureRatio × slots. failureAction
// continue ignores them. While rolling back, the spec's rollback config
// (parallelism, order, …) applies instead of its update config.
//
// parallelism counts workers (see update-progress.ts). Outdated tasks that
// are not running (pending, starting, ended) are replaced at once without a
// worker: they serve nobody, so there is no capacity to protect.
//
// order stop-first shuts the old task down, then creates the new one;
// start-first creates the new one beside the old, which keeps serving until
// the new one is stable (see fencing.ts for the handover). A holder that is
// not running anyway is always replaced stop-first. Jobs are not rolled
// (see jobs.ts).
import type { ServiceRecord, TaskRecord, UpdateConfig } from '../store/services.js';
import type { UpdateState } from './action.js';
import { isEligible } from './global.js';
import type { Pass } from './pass.js';
import { isGlobalMode, isJobMode, updateConfigInEffect } from './slots.js';
import { measureUpdate, type UpdateProgress } from './update-progress.js';

export function rollUpdates(pass: Pass): void {
  for (const service of pass.services()) {
    if (!isJobMode(service.spec.mode)) rollService(pass, service);
  }
}

/**
 * The failure check alone, run before the restart stage: a rollback decided
 * first spares restarting tasks of the version being abandoned.
 */
export function checkUpdateFailures(pass: Pass): void {
  for (const service of pass.services()) {
    const status = service.updateStatus;
    if (isJobMode(service.spec.mode) || !isRolling(status.state)) continue;
    const config = updateConfigInEffect(service);
    const progress = measure(pass, service, config, status.startedAtMs);
    if (failuresExceed(config, progress)) reactToFailures(pass, service, status.state, status.startedAtMs, progress);
  }
}

function failuresExceed(config: UpdateConfig, progress: UpdateProgress): boolean {
  return config.failureAction !== 'continue' && progress.failures.length > config.maxFailureRatio * progress.total;
}

export function isRolling(state: UpdateState): boolean {
  return state === 'updating' || state === 'rolling-back';
}

function rollService(pass: Pass, service: ServiceRecord): void {
  const status = service.updateStatus;
  const rolling = isRolling(status.state);
  const state: UpdateState = rolling ? status.state : 'updating';
  const startedAtMs = rolling ? status.startedAtMs : pass.nowMs;
  const config = state === 'rolling-back' ? service.spec.rollback : service.spec.update;
  const progress = measure(pass, service, config, startedAtMs);
  if (!rolling && (status.state === 'paused' || progress.outdated.length + progress.blocked === 0)) return;
  if (progress.wakeAtMs !== null) pass.wakeAt(progress.wakeAtMs);
  if (failuresExceed(config, progress)) {
    reactToFailures(pass, service, state, startedAtMs, progress);
    return;
  }
  const workers = config.parallelism === 0 ? Math.max(1, progress.total) : config.parallelism;
  const free = Math.max(0, workers - progress.inFlight - progress.cooling);
  // Outdated tasks that are not running serve nobody: replacing them costs no capacity, so no worker is needed.
  const idle = progress.outdated.filter((holder) => holder.state !== 'running');
  const serving = progress.outdated.filter((holder) => holder.state === 'running');
  for (const holder of [...idle, ...serving.slice(0, free)]) replaceOutdated(pass, service, holder, config, state);
  const finished = progress.outdated.length + progress.blocked + progress.inFlight === 0;
  if (finished) pass.setUpdateStatus(service, state === 'updating' ? 'completed' : 'rolled-back', state === 'updating' ? 'update completed' : 'rollback completed', startedAtMs);
  else pass.setUpdateStatus(service, state, progressMessage(state, progress), startedAtMs);
}

function measure(pass: Pass, service: ServiceRecord, config: UpdateConfig, startedAtMs: number): UpdateProgress {
  const global = isGlobalMode(service.spec.mode);
  return measureUpdate({
    service,
    slots: pass.slotsOf(service.id),
    config,
    startedAtMs,
    nowMs: pass.nowMs,
    replaceable: (holder) => {
      if (!global) return true;
      const node = pass.node(holder.nodeId);
      return node !== undefined && isEligible(pass, service, node);
    },
  });
}

function replaceOutdated(pass: Pass, service: ServiceRecord, holder: TaskRecord, config: UpdateConfig, state: UpdateState): void {
  const startFirst = config.order === 'start-first' && holder.state === 'running';
  const verb = state === 'rolling-back' ? 'rollback' : 'update';
  pass.replaceTask(service, holder, {
    nodeId: isGlobalMode(service.spec.mode) ? holder.nodeId : '',
    restartCount: 0,
    reason: `${verb} to spec version ${service.specVersion} (${startFirst ? 'start-first' : 'stop-first'})`,
    keepOld: startFirst,
  });
}

function reactToFailures(pass: Pass, service: ServiceRecord, state: UpdateState, startedAtMs: number, progress: UpdateProgress): void {
  const config = updateConfigInEffect(service);
  const last = progress.failures.reduce((latest, task) => (task.updatedAtMs > latest.updatedAtMs ? task : latest));
  const summary = `${progress.failures.length} of ${progress.total} tasks failed (max failure ratio ${config.maxFailureRatio}); last: task ${last.id} ${last.state}${last.error === '' ? '' : `: ${last.error}`}`;
  if (state === 'updating' && config.failureAction === 'rollback' && service.previousSpec !== null) {
    pass.emit({ kind: 'rollbackService', serviceId: service.id, message: `rolling back: ${summary}`, atMs: pass.nowMs });
    return;
  }
  const noPrevious = state === 'updating' && config.failureAction === 'rollback' ? ' (no previous spec to roll back to)' : '';
  pass.setUpdateStatus(service, 'paused', `${state === 'updating' ? 'update' : 'rollback'} paused${noPrevious}: ${summary}`, startedAtMs);
}

function progressMessage(state: UpdateState, progress: UpdateProgress): string {
  const verb = state === 'rolling-back' ? 'rolling back' : 'updating';
  const extra = [
    progress.failures.length > 0 ? `${progress.failures.length} failed` : '',
    progress.blocked > 0 ? `${progress.blocked} waiting for their node` : '',
  ].filter((text) => text !== '');
  return `${verb} ${progress.updated}/${progress.total}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
}
