// The failure detector's probe rounds (SWIM). Once per probe interval this
// node pings the next member of a shuffled round-robin list (every member is
// probed within two passes, unlike uniform random choice, which can starve
// one). No ack by the probe timeout: ask `indirectChecks` other members to
// ping it for us (a bad path between two nodes should not condemn either).
// No ack by the end of the interval: suspect it.
//
// Both times are stretched by the local health multiplier (awareness.ts),
// and the nacks the relays send back tell us whether to blame ourselves.
//
// A member this node accused is probed again at the next round, and every
// round after, while the suspicion lasts. The ping carries the suspicion
// (buddy system), so if the accusation came from our own bad link, the
// target hears of it as soon as the link is back and refutes in its ack.
// Without this, an accusation made while our link was down is gossiped into
// the void, and our lone timer would run out on a healthy member.
import type { Rng } from '../common/rng.js';
import type { Awareness } from './awareness.js';
import type { GossipConfig } from './config.js';
import { isLive, type MemberTable } from './members.js';
import type { MemberId } from './messages.js';

/** What a probe needs done, provided by the node. */
export interface ProbeActions {
  nextSeq(): number;
  sendPing(target: MemberId, seq: number): void;
  sendPingReq(relay: MemberId, target: MemberId, seq: number): void;
  /**
   * The probe of `target` failed: the node turns this into a suspicion.
   * `cutOff` is true when no relay even sent a nack: our own link is the
   * likely culprit.
   */
  failed(target: MemberId, cutOff: boolean): void;
}

interface ProbeRound {
  target: MemberId;
  seq: number;
  indirectTick: number;
  endTick: number;
  indirectSent: boolean;
  relays: MemberId[];
  nacks: Set<MemberId>;
}

/** Accused members re-probed in turn; more than this and the oldest is left to the others. */
const recheckMax = 4;

export class Prober {
  private order: MemberId[] = [];
  private cursor = 0;
  private round: ProbeRound | null = null;
  private nextStartTick: number;
  /** Members we accused whose suspicion is still open, probed before the round-robin order. */
  private readonly recheck: MemberId[] = [];
  /** Members the transport hinted at (probeSoon), probed once before anything else. */
  private readonly soon: MemberId[] = [];

  constructor(
    private readonly config: GossipConfig,
    private readonly rng: Rng,
    private readonly table: MemberTable,
    private readonly awareness: Awareness,
    private readonly actions: ProbeActions,
  ) {
    // Start at a random point of the first interval so nodes booted together do not probe in lockstep.
    this.nextStartTick = 1 + rng.int(config.probeIntervalTicks);
  }

  /** The member being probed, if a probe is in flight (tests read it). */
  get target(): MemberId | undefined {
    return this.round?.target;
  }

  tick(nowTick: number): void {
    const round = this.round;
    if (round !== null) {
      if (!round.indirectSent && nowTick >= round.indirectTick) this.sendIndirect(round);
      if (nowTick >= round.endTick) this.fail(round);
    }
    if (this.round === null && nowTick >= this.nextStartTick) this.start(nowTick);
  }

  /**
   * The transport saw a sign that `member` may be gone (its connection was
   * closed under it). Only a hint: the member is probed at the next tick if
   * no probe is in flight (else right after it), and judged by that probe as
   * by any other. The next regular probe starts one interval after this one.
   */
  probeSoon(member: MemberId, nowTick: number): void {
    const entry = this.table.get(member);
    if (entry === undefined || !isLive(entry.status) || this.round?.target === member || this.soon.includes(member)) return;
    if (this.soon.length >= recheckMax) return;
    this.soon.push(member);
    if (this.round === null) this.nextStartTick = Math.min(this.nextStartTick, nowTick + 1);
  }

  /** An ack for `seq`, direct or forwarded by a relay; true if it answered our probe. */
  acked(seq: number): boolean {
    if (this.round === null || this.round.seq !== seq) return false;
    this.round = null;
    this.awareness.apply(-1);
    return true;
  }

  /** A relay's nack for `seq`: the relay is fine, the target did not answer it. */
  nacked(seq: number, relay: MemberId): void {
    const round = this.round;
    if (round === null || round.seq !== seq || !round.relays.includes(relay)) return;
    round.nacks.add(relay);
  }

  private start(nowTick: number): void {
    const intervalTicks = this.awareness.scale(this.config.probeIntervalTicks);
    this.nextStartTick = nowTick + intervalTicks;
    const target = this.nextTarget();
    if (target === undefined) return;
    const seq = this.actions.nextSeq();
    this.round = {
      target,
      seq,
      indirectTick: nowTick + this.awareness.scale(this.config.probeTimeoutTicks),
      endTick: nowTick + intervalTicks,
      indirectSent: false,
      relays: [],
      nacks: new Set(),
    };
    this.actions.sendPing(target, seq);
  }

  private sendIndirect(round: ProbeRound): void {
    round.indirectSent = true;
    round.relays = this.table.randomLive(this.rng, this.config.indirectChecks, new Set([round.target]));
    for (const relay of round.relays) this.actions.sendPingReq(relay, round.target, round.seq);
  }

  private fail(round: ProbeRound): void {
    this.round = null;
    if (!this.recheck.includes(round.target)) {
      if (this.recheck.length >= recheckMax) this.recheck.shift();
      this.recheck.push(round.target);
    }
    // Relays that did not even nack could not reach us either: likely our problem, not the target's.
    const missingNacks = round.relays.length - round.nacks.size;
    this.awareness.apply(round.relays.length === 0 ? 1 : missingNacks);
    this.actions.failed(round.target, round.relays.length > 0 && round.nacks.size === 0);
  }

  private nextTarget(): MemberId | undefined {
    while (this.soon.length > 0) {
      const id = this.soon.shift()!;
      const member = this.table.get(id);
      if (member !== undefined && isLive(member.status)) return id;
    }
    while (this.recheck.length > 0) {
      const id = this.recheck.shift()!;
      if (this.table.get(id)?.status === 'suspect') {
        this.recheck.push(id);
        return id;
      }
    }
    for (let attempts = 0; attempts <= this.order.length + 1; attempts += 1) {
      if (this.cursor >= this.order.length) {
        this.order = shuffled(this.table.livePeers, this.rng);
        this.cursor = 0;
        if (this.order.length === 0) return undefined;
      }
      const id = this.order[this.cursor]!;
      this.cursor += 1;
      const member = this.table.get(id);
      if (member !== undefined && isLive(member.status)) return id;
    }
    return undefined;
  }
}

function shuffled(ids: readonly MemberId[], rng: Rng): MemberId[] {
  const copy = [...ids];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const swap = rng.int(index + 1);
    const held = copy[index]!;
    copy[index] = copy[swap]!;
    copy[swap] = held;
  }
  return copy;
}
