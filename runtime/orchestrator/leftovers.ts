// Tasks nobody else will finish:
//   - tasks of a removed service: live ones get desired shutdown (their
//     agents stop them); ended ones are removed from the store;
//   - tasks given desired shutdown before any node took them (state new or
//     pending): no agent will ever report on them, so the orchestrator
//     marks them shutdown itself, which lets history pruning drop them.
import { isAssignedOrLater, isTerminal } from './task-state.js';
import type { Pass } from './pass.js';
import { isLive } from './slots.js';

export function clearLeftovers(pass: Pass): void {
  for (const task of pass.allTasks()) {
    if (pass.service(task.serviceId) === undefined) {
      if (isTerminal(task.state)) pass.emit({ kind: 'removeTask', taskId: task.id });
      else pass.shutDown(task, 'its service was removed');
    }
    const current = pass.task(task.id);
    if (current === undefined || isLive(current) || isAssignedOrLater(current.state)) continue;
    pass.emit({ kind: 'markTask', taskId: task.id, state: 'shutdown', message: 'shut down before a node took it', atMs: pass.nowMs });
  }
}
