// Ping-reqs this node is serving for others: it pinged the target with its
// own sequence number and will forward the ack under the requester's, or send
// a nack if the target stays silent. Bounded by relaysMax; a request beyond
// that is dropped, which the requester reads as a missing nack.
import type { MemberId } from './messages.js';

export interface Relay {
  requester: MemberId;
  requesterAddress: string;
  requesterSeq: number;
  nackTick: number;
  expireTick: number;
  nacked: boolean;
}

export class Relays {
  private readonly bySeq = new Map<number, Relay>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.bySeq.size;
  }

  /** Records a relay under our ping's `seq`; false when full. */
  start(seq: number, relay: Relay): boolean {
    if (this.bySeq.size >= this.capacity) return false;
    this.bySeq.set(seq, relay);
    return true;
  }

  /** The relay our ping `seq` belongs to, removed (its ack arrived). */
  resolve(seq: number): Relay | undefined {
    const relay = this.bySeq.get(seq);
    if (relay !== undefined) this.bySeq.delete(seq);
    return relay;
  }

  /** Relays whose nack is due now (marked as nacked), after dropping expired ones. */
  due(nowTick: number): Relay[] {
    const due: Relay[] = [];
    for (const [seq, relay] of this.bySeq) {
      if (nowTick >= relay.expireTick) this.bySeq.delete(seq);
      else if (!relay.nacked && nowTick >= relay.nackTick) {
        relay.nacked = true;
        due.push(relay);
      }
    }
    return due;
  }
}
