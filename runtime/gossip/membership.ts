// The membership view and SWIM's rules for changing it. Every piece of news
// (piggybacked update, push-pull row, our own probe verdict) goes through
// here, and the incarnation number decides what wins:
//
//   alive(i)   beats anything about the member with incarnation < i
//   suspect(i) beats alive(j) for j <= i; at equal incarnation on a suspect it is a confirmation
//   dead(i)    beats alive/suspect(j) for j <= i
//   left(i)    beats alive/suspect/dead(j) for j <= i
//
// Only a member raises its own incarnation: to refute a suspicion or a
// death (it is alive, after all), or to announce new metadata. News that
// changed our view is queued for re-broadcast; news we already had is not,
// which is what makes the epidemic die out.
import { assert } from '../common/assert.js';
import type { Awareness } from './awareness.js';
import { BroadcastQueue } from './broadcasts.js';
import type { GossipConfig } from './config.js';
import { retransmitLimit } from './config.js';
import { BoundedLog, type MembershipEvent, type MembershipEventKind } from './events.js';
import { MemberTable, isLive, type Member } from './members.js';
import type { AliveUpdate, DeadUpdate, LeftUpdate, MemberId, MemberState, NodeRole, SuspectUpdate, Update } from './messages.js';
import { Suspicion } from './suspicion.js';

export interface SelfIdentity {
  id: MemberId;
  address: string;
  role: NodeRole;
  labels: Uint8Array;
  incarnation: number;
}

export interface MembershipCounters {
  /** New members refused because the table was full of live members. */
  membersRefused: number;
  /** Times this node raised its incarnation to refute a suspicion or death. */
  refutations: number;
}

export class Membership {
  readonly table: MemberTable;
  readonly broadcasts: BroadcastQueue;
  readonly events: BoundedLog<MembershipEvent>;
  readonly counters: MembershipCounters = { membersRefused: 0, refutations: 0 };
  private readonly suspicions = new Map<MemberId, Suspicion>();
  /**
   * Members holding stale bad news (holder → the members it is wrong about),
   * to be sent the fresh alive directly. Bounded: correctionsPerTickMax
   * holders, updatesPerMessageMax subjects each.
   */
  private corrections = new Map<MemberId, Set<MemberId>>();
  /** Members declared dead, by tick of death, oldest first: gossip still goes to them for a while. */
  private readonly recentDeaths = new Map<MemberId, number>();
  private leaving = false;
  private readonly self: Member;

  constructor(
    private readonly config: GossipConfig,
    identity: SelfIdentity,
    private readonly awareness: Awareness,
  ) {
    this.table = new MemberTable(identity.id, config.membersMax);
    this.broadcasts = new BroadcastQueue(config.membersMax);
    this.events = new BoundedLog(config.eventsMax);
    this.self = { ...identity, labels: identity.labels.slice(), status: 'alive', statusTick: 0 };
    this.table.add(this.self);
    this.emit('alive', this.self, 0);
    this.broadcasts.enqueue(this.selfAlive());
  }

  get selfIncarnation(): number {
    return this.self.incarnation;
  }

  get isLeaving(): boolean {
    return this.leaving;
  }

  get retransmitLimit(): number {
    return retransmitLimit(this.config, this.table.liveCount);
  }

  selfAlive(): AliveUpdate {
    const self = this.self;
    return { kind: 'alive', member: self.id, incarnation: self.incarnation, address: self.address, role: self.role, labels: self.labels };
  }

  /** One piece of news; `sender` is the member whose message carried it (it holds that belief too). */
  apply(update: Update, nowTick: number, sender?: MemberId): void {
    switch (update.kind) {
      case 'alive':
        return this.applyAlive(update, nowTick);
      case 'suspect':
        return this.applySuspect(update, nowTick, sender);
      case 'dead':
        return this.applyDead(update, nowTick, sender);
      case 'left':
        return this.applyLeft(update, nowTick);
    }
  }

  /**
   * One row of a peer's full state. A peer's "dead" only makes us suspect:
   * its view may be stale. A member that is merely new to us is not
   * re-gossiped (the peer knows it, and so does whoever told the peer: a
   * joiner announcing a 500-member table would cost ~0.5 MB); the peer's own
   * row is, since a joiner is news to everyone. Rows that change what we
   * knew are re-gossiped like any news.
   */
  applyState(row: MemberState, peer: MemberId, nowTick: number): void {
    const { member, incarnation } = row;
    const alive: AliveUpdate = { kind: 'alive', member, incarnation, address: row.address, role: row.role, labels: row.labels };
    const announce = member === peer;
    switch (row.status) {
      case 'alive':
        return this.applyAlive(alive, nowTick, announce);
      case 'left':
        return this.applyLeft({ kind: 'left', member, incarnation }, nowTick);
      case 'dead':
      case 'suspect':
        // A peer's verdict of death is only a suspicion here: its view may be stale, ours runs its own timer.
        if (member === this.self.id) return this.accused(incarnation, peer, peer);
        if (this.table.get(member) === undefined) {
          // Someone we never knew that is already dead is not worth a record.
          if (row.status === 'dead') return;
          this.applyAlive(alive, nowTick, announce);
        }
        return this.applySuspect({ kind: 'suspect', member, incarnation, from: peer }, nowTick);
    }
  }

  /** Our own probe of `target` failed. */
  suspectFromProbe(target: MemberId, nowTick: number): void {
    const member = this.table.get(target);
    if (member === undefined || !isLive(member.status)) return;
    this.applySuspect({ kind: 'suspect', member: target, incarnation: member.incarnation, from: this.self.id }, nowTick);
  }

  /**
   * Buddy system (Lifeguard), widened to every message: what we believe
   * about `recipient` when it is bad news, so a suspected or dead-declared
   * member hears of it from anyone it talks to and can refute at once.
   */
  beliefAbout(recipient: MemberId): SuspectUpdate | DeadUpdate | undefined {
    const member = this.table.get(recipient);
    if (member === undefined) return undefined;
    if (member.status === 'suspect') {
      const accuser = this.suspicions.get(recipient)?.accuser ?? this.self.id;
      return { kind: 'suspect', member: recipient, incarnation: member.incarnation, from: accuser };
    }
    if (member.status === 'dead') return { kind: 'dead', member: recipient, incarnation: member.incarnation, from: this.self.id };
    return undefined;
  }

  /**
   * Members holding stale bad news since the last call, each with the alive
   * updates that correct it (ours, or a member's we know to be newer).
   */
  takeCorrections(): { holder: MemberId; updates: AliveUpdate[] }[] {
    const taken: { holder: MemberId; updates: AliveUpdate[] }[] = [];
    for (const [holder, subjects] of this.corrections) {
      const updates: AliveUpdate[] = [];
      for (const subject of subjects) {
        const alive = this.aliveUpdateOf(subject);
        if (alive !== undefined) updates.push(alive);
      }
      if (updates.length > 0) taken.push({ holder, updates });
    }
    this.corrections = new Map();
    return taken;
  }

  /** Our record of `id` as an alive update, if we believe it alive. */
  aliveUpdateOf(id: MemberId): AliveUpdate | undefined {
    const member = this.table.get(id);
    if (member === undefined || member.status !== 'alive') return undefined;
    return { kind: 'alive', member: id, incarnation: member.incarnation, address: member.address, role: member.role, labels: member.labels };
  }

  /** Declares dead every suspect whose timer ran out. */
  tickSuspicions(nowTick: number): void {
    const expired: [MemberId, number][] = [];
    for (const [id, suspicion] of this.suspicions) {
      if (suspicion.expired(nowTick)) expired.push([id, suspicion.incarnation]);
    }
    for (const [member, incarnation] of expired) {
      this.applyDead({ kind: 'dead', member, incarnation, from: this.self.id }, nowTick);
    }
  }

  /** Forgets dead and left members older than deadRetentionTicks. */
  reap(nowTick: number): void {
    const expired: MemberId[] = [];
    for (const member of this.table.values()) {
      if (member.id === this.self.id || isLive(member.status)) continue;
      if (nowTick - member.statusTick >= this.config.deadRetentionTicks) expired.push(member.id);
    }
    for (const id of expired) {
      this.table.remove(id);
      this.broadcasts.forget(id);
    }
  }

  /** Graceful leave: announce `left` at the current incarnation and stop defending ourselves. */
  leave(nowTick: number): void {
    if (this.leaving) return;
    this.leaving = true;
    this.table.setStatus(this.self, 'left', nowTick);
    this.emit('left', this.self, nowTick);
    this.broadcasts.enqueue({ kind: 'left', member: this.self.id, incarnation: this.self.incarnation });
  }

  /** New address, role or labels for this node: a higher incarnation carries them. */
  updateSelf(change: { address?: string; role?: NodeRole; labels?: Uint8Array }, nowTick: number): void {
    assert(!this.leaving, 'updateSelf after leave');
    if (change.address !== undefined) this.self.address = change.address;
    if (change.role !== undefined) this.self.role = change.role;
    if (change.labels !== undefined) this.self.labels = change.labels.slice();
    this.self.incarnation += 1;
    this.emit('updated', this.self, nowTick);
    this.broadcasts.enqueue(this.selfAlive());
  }

  /** Our whole view as push-pull rows (bounded by membersMax). */
  fullState(): MemberState[] {
    const rows: MemberState[] = [];
    for (const member of this.table.values()) {
      rows.push({
        member: member.id,
        incarnation: member.incarnation,
        status: member.status,
        address: member.address,
        role: member.role,
        labels: member.labels,
      });
    }
    return rows;
  }

  /** Members declared dead less than gossipToDeadTicks ago (and still dead). */
  recentlyDead(nowTick: number): MemberId[] {
    for (const [id, tick] of this.recentDeaths) {
      const member = this.table.get(id);
      const stillDead = member !== undefined && member.status === 'dead' && member.statusTick === tick;
      if (stillDead && nowTick - tick < this.config.gossipToDeadTicks) break;
      this.recentDeaths.delete(id);
    }
    const ids: MemberId[] = [];
    for (const [id, tick] of this.recentDeaths) {
      const member = this.table.get(id);
      if (member !== undefined && member.status === 'dead' && member.statusTick === tick) ids.push(id);
    }
    return ids;
  }

  suspicionOf(member: MemberId): Suspicion | undefined {
    return this.suspicions.get(member);
  }

  private applyAlive(update: AliveUpdate, nowTick: number, announceNew = true): void {
    if (update.member === this.self.id) return this.aliveAboutSelf(update);
    const member = this.table.get(update.member);
    if (member === undefined) return this.addMember(update, nowTick, announceNew);
    if (update.incarnation <= member.incarnation) return;
    const metadataChanged =
      member.address !== update.address || member.role !== update.role || !sameBytes(member.labels, update.labels);
    const wasAlive = member.status === 'alive';
    member.incarnation = update.incarnation;
    member.address = update.address;
    member.role = update.role;
    if (metadataChanged) member.labels = update.labels.slice();
    this.suspicions.delete(member.id);
    if (!wasAlive) {
      this.table.setStatus(member, 'alive', nowTick);
      this.emit('alive', member, nowTick);
    } else if (metadataChanged) {
      this.emit('updated', member, nowTick);
    }
    this.broadcasts.enqueue({ ...update, labels: member.labels });
  }

  private addMember(update: AliveUpdate, nowTick: number, announce: boolean): void {
    if (this.table.isFull && !this.evictOldestGone()) {
      this.counters.membersRefused += 1;
      return;
    }
    const member: Member = {
      id: update.member,
      address: update.address,
      role: update.role,
      labels: update.labels.slice(),
      incarnation: update.incarnation,
      status: 'alive',
      statusTick: nowTick,
    };
    assert(this.table.add(member), 'member table refused a member after making room');
    this.emit('alive', member, nowTick);
    if (announce) this.broadcasts.enqueue({ ...update, labels: member.labels });
  }

  private applySuspect(update: SuspectUpdate, nowTick: number, sender?: MemberId): void {
    if (update.member === this.self.id) return this.accused(update.incarnation, update.from, sender);
    const member = this.table.get(update.member);
    if (member === undefined || !isLive(member.status)) return;
    if (update.incarnation < member.incarnation) return this.stale(member, sender);
    if (member.status === 'suspect' && update.incarnation === member.incarnation) {
      if (this.suspicions.get(member.id)?.confirm(update.from) === true) this.broadcasts.enqueue(update);
      return;
    }
    member.incarnation = update.incarnation;
    this.table.setStatus(member, 'suspect', nowTick);
    const expected = Math.min(this.config.suspicionConfirmations, Math.max(0, this.table.liveCount - 2));
    this.suspicions.set(
      member.id,
      new Suspicion({
        incarnation: update.incarnation,
        startTick: nowTick,
        accuser: update.from,
        expected,
        minTicks: this.config.suspicionMinTicks,
        maxTicks: this.config.suspicionMaxTicks,
      }),
    );
    this.emit('suspect', member, nowTick);
    this.broadcasts.enqueue(update);
  }

  private applyDead(update: DeadUpdate, nowTick: number, sender?: MemberId): void {
    if (update.member === this.self.id) return this.accused(update.incarnation, update.from, sender);
    const member = this.table.get(update.member);
    if (member === undefined || !isLive(member.status)) return;
    if (update.incarnation < member.incarnation) return this.stale(member, sender);
    member.incarnation = update.incarnation;
    this.suspicions.delete(member.id);
    this.table.setStatus(member, 'dead', nowTick);
    this.recentDeaths.delete(member.id);
    this.recentDeaths.set(member.id, nowTick);
    this.emit('dead', member, nowTick);
    this.broadcasts.enqueue(update);
  }

  private applyLeft(update: LeftUpdate, nowTick: number): void {
    if (update.member === this.self.id) {
      // Someone repeats a leave of an earlier life of this node: we are back, say so.
      if (!this.leaving && update.incarnation >= this.self.incarnation) this.refute(update.incarnation);
      return;
    }
    const member = this.table.get(update.member);
    if (member === undefined || member.status === 'left' || update.incarnation < member.incarnation) return;
    member.incarnation = update.incarnation;
    this.suspicions.delete(member.id);
    this.table.setStatus(member, 'left', nowTick);
    this.emit('left', member, nowTick);
    this.broadcasts.enqueue(update);
  }

  private aliveAboutSelf(update: AliveUpdate): void {
    if (this.leaving) return;
    const self = this.self;
    const differs = update.address !== self.address || update.role !== self.role || !sameBytes(update.labels, self.labels);
    // An alive about us we did not send: an earlier life of this node, or a stale copy. Outbid it.
    if (update.incarnation > self.incarnation || (update.incarnation === self.incarnation && differs)) {
      this.refute(update.incarnation);
    }
  }

  /**
   * `accuser` suspects or buried us at `incarnation`, and `sender` passed it
   * on. Raise our incarnation if needed; either way both still hold the old
   * news (our refutation may have been sent its full count before they got
   * it), so they get our alive directly.
   */
  private accused(incarnation: number, accuser: MemberId, sender: MemberId | undefined): void {
    if (this.leaving) return;
    if (incarnation >= this.self.incarnation) {
      this.refute(incarnation);
      this.awareness.apply(1);
    }
    for (const holder of [accuser, sender]) if (holder !== undefined) this.correct(holder, this.self.id);
  }

  /**
   * `sender` passed on bad news about `member` older than what we know. If
   * we know it alive, the sender (which believes the old news) gets told:
   * it may have missed every copy of the refutation, and its own timer would
   * otherwise declare a live member dead.
   */
  private stale(member: Member, sender: MemberId | undefined): void {
    if (sender !== undefined && member.status === 'alive') this.correct(sender, member.id);
  }

  private correct(holder: MemberId, subject: MemberId): void {
    if (holder === this.self.id || holder === subject) return;
    const subjects = this.corrections.get(holder);
    if (subjects === undefined) {
      if (this.corrections.size < this.config.correctionsPerTickMax) this.corrections.set(holder, new Set([subject]));
    } else if (subjects.size < this.config.updatesPerMessageMax) {
      subjects.add(subject);
    }
  }

  private refute(incarnation: number): void {
    assert(incarnation < Number.MAX_SAFE_INTEGER, 'incarnation exhausted');
    this.self.incarnation = incarnation + 1;
    this.counters.refutations += 1;
    this.broadcasts.enqueue(this.selfAlive());
  }

  /** Makes room by forgetting the dead or left member gone longest; false if every member is live. */
  private evictOldestGone(): boolean {
    let oldest: Member | undefined;
    for (const member of this.table.values()) {
      if (member.id === this.self.id || isLive(member.status)) continue;
      if (oldest === undefined || member.statusTick < oldest.statusTick) oldest = member;
    }
    if (oldest === undefined) return false;
    this.table.remove(oldest.id);
    this.broadcasts.forget(oldest.id);
    return true;
  }

  private emit(kind: MembershipEventKind, member: Member, nowTick: number): void {
    this.events.push({
      kind,
      member: member.id,
      incarnation: member.incarnation,
      address: member.address,
      role: member.role,
      labels: member.labels,
      tick: nowTick,
    });
  }
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  if (left.byteLength !== right.byteLength) return false;
  for (let index = 0; index < left.byteLength; index += 1) if (left[index] !== right[index]) return false;
  return true;
}
