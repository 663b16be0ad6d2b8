// Jobs under a new spec version. A job is not rolled: changing its spec (or
// forcing an update, or rolling back) starts a new run, as in Swarm. Every
// slot whose holder was made from an older version, finished or not, is
// given a new task at once; update parallelism and order do not apply to
// jobs. The update status reads completed (rolled-back) as soon as every
// slot holds a task of the current version; the run itself shows in the
// tasks. Completion and once-per-node are handled by the replicated and
// global stages (a done slot is one with a completed task of the current
// version).
import type { ServiceRecord } from '../store/services.js';
import { isEligible } from './global.js';
import type { Pass } from './pass.js';
import { isRolling } from './rolling-update.js';
import { isGlobalMode, isJobMode } from './slots.js';

export function rerunJobs(pass: Pass): void {
  for (const service of pass.services()) {
    if (isJobMode(service.spec.mode)) rerunService(pass, service);
  }
}

function rerunService(pass: Pass, service: ServiceRecord): void {
  const reason = `job spec changed to version ${service.specVersion}`;
  let waiting = 0;
  for (const slot of pass.slotsOf(service.id)) {
    const holder = slot.live[0];
    if (holder === undefined || holder.specVersion === service.specVersion) continue;
    if (!isGlobalMode(service.spec.mode)) {
      pass.replaceTask(service, holder, { nodeId: '', restartCount: 0, reason, keepOld: false });
      continue;
    }
    const node = pass.node(holder.nodeId);
    if (node !== undefined && isEligible(pass, service, node)) pass.replaceTask(service, holder, { nodeId: node.id, restartCount: 0, reason, keepOld: false });
    else if (node !== undefined && node.status !== 'down' && node.availability !== 'drain' && pass.placer.matches(service.spec, node)) waiting += 1;
    else pass.shutDown(holder, reason);
  }
  const status = service.updateStatus;
  if (waiting > 0 || !isRolling(status.state)) return;
  const rollingBack = status.state === 'rolling-back';
  pass.setUpdateStatus(service, rollingBack ? 'rolled-back' : 'completed', rollingBack ? 'rollback completed: job runs again' : 'update completed: job runs again', status.startedAtMs);
}
