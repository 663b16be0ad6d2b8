// A simulated network between cores: per-message drop, random delay (which
// reorders), duplication, and directed links that can be cut (partitions,
// asymmetric links). Deterministic given the simulation's Rng.
import type { Rng } from '../../../runtime/common/rng.js';
import type { Message } from '../../../runtime/raft/core/index.js';
import type { NodeId } from '../../../runtime/raft/types.js';
import type { EventQueue } from './event-queue.js';

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  bytes: number;
}

export class SimNetwork {
  dropRate = 0;
  duplicateRate = 0;
  delayMinMs = 1;
  delayMaxMs = 8;
  private readonly cut = new Set<string>();
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, bytes: 0 };

  constructor(
    private readonly queue: EventQueue,
    private readonly rng: Rng,
    private readonly deliver: (message: Message) => void,
    private readonly trace: ((line: string) => void) | null,
  ) {}

  send(message: Message): void {
    this.stats.sent += 1;
    this.stats.bytes += approximateBytes(message);
    if (this.cut.has(link(message.from, message.to)) || this.rng.next() < this.dropRate) {
      this.stats.dropped += 1;
      this.trace?.(`drop ${message.from}→${message.to}`);
      return;
    }
    const copies = this.rng.next() < this.duplicateRate ? 2 : 1;
    if (copies === 2) this.stats.duplicated += 1;
    for (let i = 0; i < copies; i += 1) {
      const delay = this.delayMinMs + this.rng.int(this.delayMaxMs - this.delayMinMs + 1);
      const copy = copyMessage(message);
      this.queue.schedule(delay, () => {
        // A link cut while the message was in flight loses it too.
        if (this.cut.has(link(copy.from, copy.to))) {
          this.stats.dropped += 1;
          return;
        }
        this.stats.delivered += 1;
        this.deliver(copy);
      });
    }
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(link(from, to));
  }

  /** Splits the nodes into groups that cannot reach each other. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (const a of groups) {
      for (const b of groups) {
        if (a === b) continue;
        for (const from of a) for (const to of b) this.cutLink(from, to);
      }
    }
  }

  isolate(id: NodeId, all: readonly NodeId[]): void {
    this.partition([[id], all.filter((other) => other !== id)]);
  }

  heal(): void {
    this.cut.clear();
  }

  cutLinks(): number {
    return this.cut.size;
  }

  calm(): void {
    this.dropRate = 0;
    this.duplicateRate = 0;
    this.delayMinMs = 1;
    this.delayMaxMs = 8;
  }
}

function link(from: NodeId, to: NodeId): string {
  return `${from}>${to}`;
}

/** What a decoder would hand over: a fresh object; entry payloads are immutable by contract. */
function copyMessage(message: Message): Message {
  if (message.type === 5) return { ...message, entries: [...message.entries] };
  return { ...message };
}

function approximateBytes(message: Message): number {
  let bytes = 32;
  if ('entries' in message) for (const entry of message.entries) bytes += 16 + entry.data.length;
  if ('data' in message) bytes += message.data.length;
  return bytes;
}
