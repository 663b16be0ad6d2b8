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
import { forceNewCluster } from '../../runtime/raft/force-new-cluster.js';
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

test('quorum loss: a forced new cluster on the survivor keeps the state, marks the lost managers, and an old manager coming back cannot depose it', async () => {
  // Proves the store's side of `swarm init --force-new-cluster` with real disks:
  // the cluster.forceNewCluster entry the daemon writes, a restart from disk,
  // and a returned old member whose higher-term messages the new leader ignores.
  const dir = mkdtempSync(join(tmpdir(), 'edge-store-'));
  const cluster = new Cluster(dir);
  try {
    for (const id of [1, 2, 3]) await cluster.start(id, [1, 2, 3]);
    let leader = await cluster.leader();
    await propose(leader, {
      op: 'cluster.init', clusterId: 'c1', createdAtMs: 5, ca: { certPem: 'cert', keyPem: 'key' },
      tokens: { worker: { secretSha256Hex: 'aa', createdAtMs: 5 }, manager: { secretSha256Hex: 'bb', createdAtMs: 5 } },
      node: nodeRecord('m1', 'manager'),
    });
    await propose(leader, { op: 'node.add', node: nodeRecord('m2', 'manager') });
    await propose(leader, { op: 'node.add', node: nodeRecord('m3', 'manager') });
    await propose(leader, { op: 'node.add', node: nodeRecord('w1', 'worker') });
    await propose(leader, { op: 'node.update', id: 'w1', labelsAdd: { zone: 'a' } });
    await until(() => cluster.replicas.get(1)!.store.state.nodes.w1?.labels.zone === 'a');
    for (const id of [2, 3]) await cluster.crash(id);
    await cluster.crash(1);

    const storage = await openFileStorage({ dir: join(dir, 'm1') });
    const forced = await forceNewCluster({
      storage,
      self: 1,
      stateMachine: new ClusterStore(),
      recoveryEntry: () => encodeCommand({ op: 'cluster.forceNewCluster', survivorId: 'm1', atMs: 99 }),
    });
    await storage.close();
    assert.equal(forced.recoveryResult, { ok: true, value: { lostManagers: ['m2', 'm3'] } });
    const termAfterRewrite = forced.recovered.hardState.term;

    for (const round of [1, 2]) {
      const survivor = await cluster.start(1, [1, 2, 3]);
      leader = await cluster.leader();
      assert.is(leader.id, 1, `round ${round}: the survivor leads alone`);
      assert.equal(survivor.node.status().voters, [1], `round ${round}: the only voter, from disk`);
      await propose(survivor, { op: 'node.update', id: 'w1', labelsAdd: { round: String(round) } });
      const state = survivor.store.state;
      assert.equal(state.nodes.w1?.labels, round === 1 ? { zone: 'a', round: '1' } : { zone: 'a', round: '2' });
      for (const lost of ['m2', 'm3']) {
        assert.is(state.nodes[lost]?.raftId, 0, `${lost} is no longer a Raft member in the store`);
        assert.is(state.nodes[lost]?.status, 'down');
        assert.is(state.nodes[lost]?.role, 'manager', 'demoting or removing it is left to a person');
      }
      assert.is(state.nodes.m1?.raftId, 1);
      assert.is(state.nodes.m1?.status, 'ready');
      if (round === 1) await cluster.crash(1);
    }

    // An old member comes back with its 3-voter configuration and campaigns: it never wins and never moves the leader's term.
    const survivor = cluster.replicas.get(1)!;
    const termBefore = survivor.node.core.term;
    assert.ok(termBefore > termAfterRewrite);
    const returned = await cluster.start(2, [1, 2, 3]);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // 75 ticks of 20 ms: several election timeouts of the returned member
    assert.ok(survivor.node.isLeader, 'still the leader');
    assert.is(survivor.node.core.term, termBefore, 'the returned member did not bump the leader\'s term');
    assert.not.ok(returned.node.isLeader);
    await propose(survivor, { op: 'node.update', id: 'w1', labelsRemove: ['round'] });
    assert.equal(survivor.store.state.nodes.w1?.labels, { zone: 'a' });
  } finally {
    for (const replica of cluster.replicas.values()) await replica.node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
