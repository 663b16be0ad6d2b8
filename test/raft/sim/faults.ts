// The fault schedule of a simulated run: partitions (halves, an isolated
// leader, one-way links), message loss, duplication and delay spikes,
// crashes with restarts, leadership transfers, and membership changes made
// by an operator. Every choice comes from the run's Rng.
import { isRaftError } from '../../../runtime/raft/core/index.js';
import type { NodeId } from '../../../runtime/raft/types.js';
import { RaftCore } from '../../../runtime/raft/core/index.js';
import type { Simulation } from './cluster.js';
import type { SimNode } from './node.js';

const membersMax = 5;
const votersMin = 3;

export class FaultInjector {
  crashes = 0;
  private stopped = false;
  /** Nodes started for a pending AddLearner, with the index of that entry. */
  private readonly joining = new Map<NodeId, number>();
  /** Commit index of the configuration the last sweep judged by. */
  private judgedAtCommit = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly trace: ((line: string) => void) | null,
  ) {}

  start(untilMs: number): void {
    const loop = (): void => {
      if (this.stopped || this.sim.queue.nowMs >= untilMs) return;
      this.inject();
      this.sweepMembership();
      this.sim.queue.schedule(150 + this.sim.rng.int(1_200), loop);
    };
    this.sim.queue.schedule(500 + this.sim.rng.int(1_000), loop);
  }

  stop(): void {
    this.stopped = true;
  }

  private ids(): NodeId[] {
    return [...this.sim.nodes.values()].filter((n) => !n.retired).map((n) => n.id);
  }

  private pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[this.sim.rng.int(items.length)];
  }

  private inject(): void {
    const { rng, network } = this.sim;
    const ids = this.ids();
    const roll = rng.int(100);
    if (roll < 12) {
      const shuffled = ids.map((id) => ({ id, key: rng.next() })).sort((a, b) => a.key - b.key).map((x) => x.id);
      const cut = 1 + rng.int(Math.max(1, shuffled.length - 1));
      network.partition([shuffled.slice(0, cut), shuffled.slice(cut)]);
      this.trace?.(`FAULT partition [${shuffled.slice(0, cut)}] | [${shuffled.slice(cut)}]`);
    } else if (roll < 22) {
      const leader = this.sim.leader();
      if (leader !== undefined) {
        network.isolate(leader.id, ids);
        this.trace?.(`FAULT isolate leader n${leader.id}`);
      }
    } else if (roll < 30) {
      const from = this.pick(ids);
      const to = this.pick(ids.filter((id) => id !== from));
      if (from !== undefined && to !== undefined) {
        network.cutLink(from, to);
        this.trace?.(`FAULT one-way link cut n${from}→n${to}`);
      }
    } else if (roll < 45) {
      network.heal();
      this.trace?.('FAULT heal all links');
    } else if (roll < 55) {
      network.dropRate = rng.next() * 0.3;
      network.duplicateRate = rng.next() * 0.1;
      this.trace?.(`FAULT lossy network drop=${network.dropRate.toFixed(2)} dup=${network.duplicateRate.toFixed(2)}`);
    } else if (roll < 62) {
      network.delayMaxMs = 20 + rng.int(300);
      this.trace?.(`FAULT delay spike up to ${network.delayMaxMs}ms (reordering)`);
    } else if (roll < 70) {
      network.calm();
      this.trace?.('FAULT calm network');
    } else if (roll < 80) {
      this.crashOne();
    } else if (roll < 86 || !this.sim.options.membership) {
      this.transfer();
    } else if (rng.next() < 0.5) {
      this.addMember();
    } else {
      this.removeMember();
    }
  }

  private crashOne(): void {
    const alive = [...this.sim.nodes.values()].filter((n) => n.alive && !n.retired);
    // Half the time the power goes while an fsync is under way: the moment that tests persist-before-send.
    const syncing = alive.filter((n) => n.disk.hasUnsynced());
    const victim = this.pick(syncing.length > 0 && this.sim.rng.next() < 0.5 ? syncing : alive);
    if (victim === undefined) return;
    this.crashes += 1;
    victim.crash();
    this.sim.queue.schedule(100 + this.sim.rng.int(3_000), () => {
      if (!this.stopped) victim.restart();
    });
  }

  private transfer(): void {
    const leader = this.sim.leader();
    if (leader === undefined) return;
    const voters = leader.core!.status().voters.filter((id) => id !== leader.id);
    const target = this.pick(voters);
    if (target === undefined) return;
    try {
      leader.act((core) => core.transferLeadership(target));
      this.trace?.(`OPERATOR transfer leadership n${leader.id} → n${target}`);
    } catch (error) {
      if (!isRaftError(error)) throw error;
    }
  }

  private addMember(): void {
    const leader = this.sim.leader();
    if (leader === undefined || this.joining.size > 0) return;
    const status = leader.core!.status();
    if (status.voters.length + status.learners.length >= membersMax) return;
    const id = this.sim.nextId++;
    let index: number;
    try {
      index = leader.act((core) => core.addMember(id)).index;
    } catch (error) {
      if (!isRaftError(error)) throw error;
      return;
    }
    this.sim.addNode(id, RaftCore.emptyState());
    this.joining.set(id, index);
    this.trace?.(`OPERATOR add member n${id} (learner) via n${leader.id}`);
  }

  private removeMember(): void {
    const leader = this.sim.leader();
    if (leader === undefined) return;
    const status = leader.core!.status();
    if (status.voters.length <= votersMin && status.learners.length === 0) return;
    const candidates = status.voters.length > votersMin ? [...status.voters, ...status.learners] : status.learners;
    const victim = this.pick(candidates);
    if (victim === undefined) return;
    try {
      leader.act((core) => core.removeMember(victim));
      this.trace?.(`OPERATOR remove member n${victim} via n${leader.id}`);
    } catch (error) {
      if (!isRaftError(error)) throw error;
      this.trace?.(`OPERATOR remove n${victim} refused: ${error.code}`);
    }
  }

  /**
   * Shuts down nodes that are no longer members: removed ones, and joiners
   * whose AddLearner entry was lost. Membership is read from the node with
   * the highest commit index: a conf change takes effect on a node when it
   * learns it is committed, so that node's configuration is the latest
   * committed one (a new leader may still lag). A joiner is retired only once
   * that commit index has passed its AddLearner entry without admitting it,
   * and never from a view older than one already used.
   */
  sweepMembership(): void {
    const reference = this.mostCommitted();
    if (reference === undefined) return;
    const status = reference.core!.status();
    // The most advanced node may have crashed since the last sweep: never judge from an older view.
    if (status.commit < this.judgedAtCommit) return;
    this.judgedAtCommit = status.commit;
    const members = new Set([...status.voters, ...status.learners]);
    for (const node of this.sim.nodes.values()) {
      if (node.retired) continue;
      if (members.has(node.id)) {
        this.joining.delete(node.id);
        continue;
      }
      const addIndex = this.joining.get(node.id);
      if (addIndex !== undefined && status.commit < addIndex) continue;
      this.joining.delete(node.id);
      node.retire();
      this.trace?.(`OPERATOR shut down n${node.id} (not a member as of commit ${status.commit} on n${reference.id})`);
    }
  }

  private mostCommitted(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const node of this.sim.nodes.values()) {
      if (node.core === null) continue;
      if (best === undefined || node.core.commitIndex > best.core!.commitIndex) best = node;
    }
    return best;
  }
}
