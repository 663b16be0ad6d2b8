// Three Raft nodes in one process with the real driver, the cluster store and
// real file storage with fsync: committed proposals per second, and what
// group commit saves (fsyncs and bytes written per committed entry).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRng } from '../../runtime/common/rng.js';
import { lanDefaults, type Message } from '../../runtime/raft/core/index.js';
import { RaftNode } from '../../runtime/raft/node.js';
import { openFileStorage, type FileStorage } from '../../runtime/raft/storage/index.js';
import { encodeCommand } from '../../runtime/store/commands.js';
import { ClusterStore } from '../../runtime/store/store.js';
import type { BenchSuite, Measure } from '../harness.js';

interface Member {
  node: RaftNode;
  storage: FileStorage;
}

async function startCluster(dir: string): Promise<Member[]> {
  const members: Member[] = [];
  const deliver = (message: Message): void => {
    setImmediate(() => members[message.to - 1]?.node.step(message));
  };
  for (const id of [1, 2, 3]) {
    const storage = await openFileStorage({ dir: join(dir, `m${id}`) });
    await storage.recover();
    const recovered = await RaftNode.bootstrap(storage, [1, 2, 3]);
    const node = new RaftNode({ config: lanDefaults(id), storage, recovered, stateMachine: new ClusterStore(), send: deliver, rng: new SeededRng(id), tickMs: 20, log: () => {} });
    members.push({ node, storage });
  }
  for (const member of members) member.node.start();
  return members;
}

export const suite: BenchSuite = {
  name: 'raft cluster (3 nodes, real disks)',
  async run({ ci }): Promise<Measure[]> {
    const dir = mkdtempSync(join(tmpdir(), 'edge-raft-bench-'));
    const members = await startCluster(dir);
    try {
      const started = Date.now();
      while (!members.some((member) => member.node.isLeader)) {
        if (Date.now() - started > 10_000) throw new Error('no leader within 10 s');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const leader = members.find((member) => member.node.isLeader)!;
      // The store refuses these (not initialised), which is fine: the entries still commit, persist and apply.
      const command = encodeCommand({ op: 'node.remove', id: 'x'.repeat(60) });
      const proposals = ci ? 1000 : 5000;
      const concurrency = 64;
      const before = members.map((member) => ({ ...member.storage.stats }));
      const commitStarted = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < proposals) {
            next++;
            await leader.node.propose(command, 10_000);
          }
        }),
      );
      const seconds = (performance.now() - commitStarted) / 1000;
      const fsyncs = members.reduce((sum, member, index) => sum + member.storage.stats.fsyncs - before[index]!.fsyncs, 0);
      const bytes = members.reduce((sum, member, index) => sum + member.storage.stats.bytesWritten - before[index]!.bytesWritten, 0);
      return [
        { name: 'raftCluster.committedProposalsPerSecond', value: proposals / seconds, unit: 'proposals/s', note: `${proposals} proposals of ${command.byteLength} B, ${concurrency} in flight, 3 nodes with fsync on this machine's disk` },
        { name: 'raftCluster.fsyncsPerCommittedEntry', value: fsyncs / proposals, unit: 'fsyncs', note: 'fsyncs on all three nodes per committed entry (group commit: well below 3)' },
        { name: 'raftCluster.bytesWrittenPerCommittedEntry', value: bytes / proposals / 3, unit: 'bytes', note: `bytes written per node per committed entry of ${command.byteLength} B` },
      ];
    } finally {
      for (const member of members) await member.node.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
