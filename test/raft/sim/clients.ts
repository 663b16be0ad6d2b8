// Simulated clients of the key-value store. Each runs one operation at a
// time against some manager and records invocation and completion in the
// history the linearizability checker reads. Outcomes:
//   completed        recorded with its output
//   refused / lost   the proposal never entered, or was overwritten in, the
//                    log: it cannot take effect, so it is left out
//   timed out write  unknown: kept with no return (it may still commit)
//   timed out read   left out: a read nobody saw changes nothing
import { isRaftError } from '../../../runtime/raft/core/index.js';
import type { NodeId } from '../../../runtime/raft/types.js';
import type { SeededRng } from '../../../runtime/common/rng.js';
import type { KvInput, KvOperation, KvOutput } from '../kv-model.js';
import type { EventQueue } from './event-queue.js';
import { encodeCommand, type KvCommand } from './kv.js';
import type { SimNode } from './node.js';

export interface ClientContext {
  queue: EventQueue;
  rng: SeededRng;
  trace: ((line: string) => void) | null;
  /** Nodes a client may talk to (alive, not retired). */
  reachable(): SimNode[];
  node(id: NodeId): SimNode | undefined;
}

const keys = ['a', 'b', 'c'];
const operationTimeoutMs = 3_000;

/** Invocation and completion records, in logical time (one counter for the whole run). */
export class History {
  private clock = 0;
  readonly operations: KvOperation[] = [];
  private readonly discarded = new Set<number>();
  completed = 0;
  unknown = 0;

  begin(client: number, input: KvInput): KvOperation {
    const op: KvOperation = { id: this.operations.length, client, input, output: undefined, call: this.clock++, ret: Number.POSITIVE_INFINITY };
    this.operations.push(op);
    return op;
  }

  complete(op: KvOperation, output: KvOutput): void {
    op.output = output;
    op.ret = this.clock++;
    this.completed += 1;
  }

  discard(op: KvOperation): void {
    this.discarded.add(op.id);
  }

  markUnknown(): void {
    this.unknown += 1;
  }

  kept(): KvOperation[] {
    return this.operations.filter((op) => !this.discarded.has(op.id));
  }
}

export class SimClient {
  private leaderGuess: NodeId = 0;
  private sequence = 0;
  private requestIds = 0;
  stopped = false;
  busy = false;

  constructor(
    readonly id: number,
    private readonly context: ClientContext,
    private readonly history: History,
  ) {}

  start(): void {
    this.context.queue.schedule(this.context.rng.int(50), () => this.next());
  }

  private next(): void {
    this.busy = false;
    if (this.stopped) return;
    const nodes = this.context.reachable();
    if (nodes.length === 0) return this.later(100);
    const rng = this.context.rng;
    const key = keys[rng.int(keys.length)]!;
    const roll = rng.next();
    const input: KvInput =
      roll < 0.4
        ? { kind: 'get', key }
        : roll < 0.75
          ? { kind: 'put', key, value: `${this.id}.${this.sequence++}` }
          : { kind: 'cas', key, expected: rng.next() < 0.5 ? null : `${rng.int(4)}.${rng.int(Math.max(1, this.sequence))}`, value: `${this.id}.${this.sequence++}` };
    const guess = this.context.node(this.leaderGuess);
    // Mostly ask the presumed leader; sometimes a random node, which exercises forwarded reads and refusals.
    const target = guess !== undefined && guess.alive && rng.next() < 0.8 ? guess : nodes[rng.int(nodes.length)]!;
    this.busy = true;
    if (input.kind === 'get') this.read(target, input);
    else this.write(target, input);
  }

  private later(delayMs: number): void {
    this.context.queue.schedule(delayMs, () => this.next());
  }

  private refused(error: unknown): void {
    if (!isRaftError(error)) throw error;
    if (error.leaderHint !== 0) this.leaderGuess = error.leaderHint;
    else this.leaderGuess = 0;
    this.later(10 + this.context.rng.int(40));
  }

  private write(target: SimNode, input: Exclude<KvInput, { kind: 'get' }>): void {
    const op = this.history.begin(this.id, input);
    const command: KvCommand =
      input.kind === 'put'
        ? { op: 'put', key: input.key, value: input.value, id: `c${this.id}-${op.id}` }
        : { op: 'cas', key: input.key, expected: input.expected, value: input.value, id: `c${this.id}-${op.id}` };
    let proposed: { index: number; term: number };
    try {
      proposed = target.act((core) => core.propose(encodeCommand(command)));
    } catch (error) {
      this.history.discard(op);
      return this.refused(error);
    }
    this.leaderGuess = target.id;
    let settled = false;
    this.context.trace?.(`client ${this.id} → n${target.id} ${input.kind}(${input.key}) at ${proposed.index}@${proposed.term}`);
    target.waitForWrite(proposed.index, proposed.term, (outcome) => {
      if (settled) return;
      settled = true;
      if (outcome.kind === 'lost') {
        this.history.discard(op);
        this.later(5);
        return;
      }
      this.history.complete(op, input.kind === 'put' ? {} : { ok: outcome.result?.ok ?? false });
      this.context.trace?.(`client ${this.id} ← ${input.kind}(${input.key}) done`);
      this.later(this.context.rng.int(20));
    });
    this.context.queue.schedule(operationTimeoutMs, () => {
      if (settled) return;
      settled = true;
      this.history.markUnknown();
      this.context.trace?.(`client ${this.id} ${input.kind}(${input.key}) timed out: outcome unknown`);
      this.leaderGuess = 0;
      this.next();
    });
  }

  private read(target: SimNode, input: Extract<KvInput, { kind: 'get' }>): void {
    const op = this.history.begin(this.id, input);
    const requestId = this.id * 1_000_000 + this.requestIds++;
    try {
      target.act((core) => core.readIndex(requestId));
    } catch (error) {
      this.history.discard(op);
      return this.refused(error);
    }
    let settled = false;
    target.waitForRead(requestId, (index) => {
      target.whenApplied(index, () => {
        if (settled) return;
        settled = true;
        this.history.complete(op, { value: target.kv.get(input.key) });
        this.later(this.context.rng.int(20));
      });
    });
    this.context.queue.schedule(operationTimeoutMs, () => {
      if (settled) return;
      settled = true;
      this.history.discard(op);
      this.leaderGuess = 0;
      this.next();
    });
  }
}
