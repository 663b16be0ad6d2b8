// The leader's part of a root CA rotation: it watches the nodes' certificate
// reports and, once every node holds a certificate from the new root,
// proposes the finish (the store checks the same condition again when it
// applies it). Every manager runs one; only the leader acts, so a leader
// change mid-rotation just moves the watching to the new leader.
import { rotationProgress, type RotationProgress } from '../store/ca-rotation.js';
import type { ManagerRuntime } from './manager.js';

/** How often the leader looks; nodes report right after they renew (a session refresh), so this adds little delay. */
export const rotationCheckIntervalMs = 500;
/** Hostnames named in the log line about a rotation that waits. */
const pendingLoggedMax = 5;

/** "3/5 nodes on the new root; waiting for host4 (down), host5 (ready)". */
export function describeRotationProgress(progress: RotationProgress): string {
  const head = `${progress.nodesDone}/${progress.nodesTotal} nodes have a certificate from the new root`;
  if (progress.pending.length === 0) return head;
  const named = progress.pending.slice(0, pendingLoggedMax).map((node) => `${node.hostname} (${node.status})`);
  const more = progress.pending.length > pendingLoggedMax ? ` and ${progress.pending.length - pendingLoggedMax} more` : '';
  return `${head}; waiting for ${named.join(', ')}${more}`;
}

export class RootRotationDriver {
  private readonly timer: ReturnType<typeof setInterval>;
  private finishing = false;
  private lastLogged = '';

  constructor(private readonly manager: ManagerRuntime) {
    this.timer = setInterval(() => this.check(), rotationCheckIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(): void {
    const manager = this.manager;
    if (!manager.raft.isLeader || this.finishing) return;
    const progress = rotationProgress(manager.state);
    if (!progress) return;
    const line = describeRotationProgress(progress);
    if (line !== this.lastLogged) manager.context.log(`root CA rotation: ${line}`);
    this.lastLogged = line;
    if (progress.pending.length > 0) return;
    this.finishing = true;
    manager
      .write({ op: 'ca.rotation.finish', nextDigestHex: progress.nextDigestHex })
      .then(() => manager.context.log(`root CA rotation finished: the old root sha256:${progress.previousDigestHex.slice(0, 12)}… is no longer trusted`))
      .catch((error: Error) => manager.context.log(`root CA rotation not finished yet: ${error.message}`))
      .finally(() => {
        this.finishing = false;
      });
  }
}
