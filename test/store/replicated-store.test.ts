// Three managers in one process, each with the Raft driver, the cluster store
// and real file storage, exchanging messages through an in-process network:
// writes reach every replica, a leader crash is survived, and a restarted
// manager recovers its state from disk and catches up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRng } from '../../runtime/common/rng.js';
import { lanDefaults, type Message } from '../../runtime/raft/core/index.js';
import { RaftNode } from '../../runtime/raft/node.js';
import { openFileStorage } from '../../runtime/raft/storage/index.js';
import { encodeCommand, type Command } from '../../runtime/store/commands.js';
import { ClusterStore } from '../../runtime/store/store.js';
import type { NodeRecord } from '../../runtime/store/state.js';

interface Replica {
  id: number;
  node: RaftNode;
  store: ClusterStore;
  up: boolean;
}

function nodeRecord(id: string, role: 'manager' | 'worker'): NodeRecord {
  return {
    id, hostname: id, role, raftId: 0, addr: '10.0.0.1:4270', labels: {}, availability: 'active', status: 'ready', statusMessage: '',
    statusChangedAtMs: 1, certSerials: [], platform: { os: 'linux', arch: 'arm64' }, board: 'pi4b', memoryBytes: 4e9, allocatableBytes: 3e9, cores: 4, joinedAtMs: 1,
  };
}

class Cluster {
  readonly replicas = new Map<number, Replica>();
  constructor(readonly dir: string) {}

  async start(id: number, voters: number[]): Promise<Replica> {
    const storage = await openFileStorage({ dir: join(this.dir, `m${id}`) });
    let recovered = await storage.recover();
    if (recovered.entries.length === 0 && recovered.snapshot === null) recovered = await RaftNode.bootstrap(storage, voters);
    const store = new ClusterStore();
    const node = new RaftNode({
      config: { ...lanDefaults(id) },
      storage,
      recovered,
      stateMachine: store,
      send: (message: Message) => this.deliver(message),
      rng: new SeededRng(id * 7919),
      tickMs: 20,
      log: () => {},
    });
    const replica = { id, node, store, up: true };
    this.replicas.set(id, replica);
    node.start();
    return replica;
  }

  deliver(message: Message): void {
    setImmediate(() => {
      const target = this.replicas.get(message.to);
      const source = this.replicas.get(message.from);
      if (target?.up && source?.up) target.node.step(message);
    });
  }

  async leader(timeoutMs = 5000): Promise<Replica> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      const leaders = [...this.replicas.values()].filter((replica) => replica.up && replica.node.isLeader);
      if (leaders.length === 1) return leaders[0]!;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('no single leader elected in time');
  }

  async crash(id: number): Promise<void> {
    const replica = this.replicas.get(id)!;
    replica.up = false;
    await replica.node.stop();
  }
}

async function propose(replica: Replica, command: Command): Promise<unknown> {
  return replica.node.propose(encodeCommand(command));
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('writes reach every replica, survive a leader crash, and a restarted manager catches up from disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-store-'));
  const cluster = new Cluster(dir);
  try {
    for (const id of [1, 2, 3]) await cluster.start(id, [1, 2, 3]);
    let leader = await cluster.leader();
    const init = await propose(leader, {
      op: 'cluster.init', clusterId: 'c1', createdAtMs: 5, ca: { certPem: 'cert', keyPem: 'key' },
      tokens: { worker: { secretSha256Hex: 'aa', createdAtMs: 5 }, manager: { secretSha256Hex: 'bb', createdAtMs: 5 } },
      node: nodeRecord('m1', 'manager'),
    });
    assert.equal(init, { ok: true, value: { raftId: 1 } });
    for (let n = 0; n < 20; n++) await propose(leader, { op: 'node.add', node: nodeRecord(`w${n}`, 'worker') });
    await until(() => [...cluster.replicas.values()].every((replica) => Object.keys(replica.store.state.nodes).length === 21));

    const oldLeader = leader.id;
    await cluster.crash(oldLeader);
    leader = await cluster.leader();
    assert.is.not(leader.id, oldLeader);
    const refused = await propose(leader, { op: 'node.add', node: nodeRecord('w3', 'worker') });
    assert.equal((refused as { ok: boolean }).ok, false, 'a duplicate node is refused by the state machine');
    await propose(leader, { op: 'node.update', id: 'w5', availability: 'drain', labelsAdd: { zone: 'b' } });

    const restarted = await cluster.start(oldLeader, [1, 2, 3]);
    await until(() => restarted.store.state.nodes.w5?.availability === 'drain');
    const states = [...cluster.replicas.values()].map((replica) => JSON.stringify({ ...replica.store.state, appliedIndex: 0 }));
    await until(() => new Set([...cluster.replicas.values()].map((replica) => replica.store.state.appliedIndex)).size === 1);
    assert.is(new Set(states).size, 1, 'every replica holds the same state');
    assert.equal(restarted.store.state.nodes.w5?.labels, { zone: 'b' });
  } finally {
    for (const replica of cluster.replicas.values()) await replica.node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a linearizable read on the leader waits for a quorum; on a lone follower it fails', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-store-'));
  const cluster = new Cluster(dir);
  try {
    for (const id of [1, 2, 3]) await cluster.start(id, [1, 2, 3]);
    const leader = await cluster.leader();
    await leader.node.readBarrier();
    const followers = [...cluster.replicas.values()].filter((replica) => replica !== leader);
    for (const follower of followers) await cluster.crash(follower.id);
    let failed = false;
    try {
      await leader.node.readBarrier(600);
    } catch (error) {
      failed = true;
      assert.match((error as Error).message, /quorum|leader/);
    }
    assert.ok(failed, 'a leader without a quorum must not serve linearizable reads');
  } finally {
    for (const replica of cluster.replicas.values()) await replica.node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
