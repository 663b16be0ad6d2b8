// A linearizability checker in the manner of Wing & Gong, with Lowe's
// memoization as Porcupine does it: depth-first search for an order of the
// operations that respects real time and the sequential model, caching
// (set of operations linearized, model state) pairs already explored.
// Operations on different partitions (keys) are checked separately, which is
// sound because linearizability is local (Herlihy & Wing).
//
// An operation whose outcome is unknown (the client timed out) has ret =
// Infinity and output undefined: it may take effect at any point after its
// call, or never (linearized last, it changes nothing anyone observed).

export interface Operation<Input, Output> {
  id: number;
  client: number;
  input: Input;
  /** Undefined when the outcome is unknown. */
  output: Output | undefined;
  /** Logical times: `call` < `ret`; a later call than another's ret means real-time order. */
  call: number;
  ret: number;
}

export interface Model<State, Input, Output> {
  init(): State;
  /** The state after applying `input` with observed `output`, or null if that output is impossible in `state`. */
  step(state: State, input: Input, output: Output | undefined): { next: State } | null;
  /** A string that identifies a state, for memoization. */
  stateKey(state: State): string;
  /** Which independent partition an input belongs to. */
  partition(input: Input): string;
  describe(input: Input, output: Output | undefined): string;
}

export type CheckResult =
  | { verdict: 'ok'; partitions: number }
  | { verdict: 'violation'; partition: string; explanation: string }
  | { verdict: 'gave-up'; partition: string };

interface Node<Input, Output> {
  op: Operation<Input, Output>;
  isCall: boolean;
  index: number;
  match: Node<Input, Output> | null;
  previous: Node<Input, Output> | null;
  next: Node<Input, Output> | null;
}

export function checkHistory<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
  options: { stepsMax?: number } = {},
): CheckResult {
  const partitions = new Map<string, Operation<Input, Output>[]>();
  for (const op of operations) {
    const key = model.partition(op.input);
    let list = partitions.get(key);
    if (list === undefined) partitions.set(key, (list = []));
    list.push(op);
  }
  for (const [key, ops] of [...partitions.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const outcome = checkPartition(model, ops, options.stepsMax ?? 2_000_000);
    if (outcome === 'gave-up') return { verdict: 'gave-up', partition: key };
    if (outcome !== 'ok') return { verdict: 'violation', partition: key, explanation: outcome };
  }
  return { verdict: 'ok', partitions: partitions.size };
}

function buildList<Input, Output>(ops: readonly Operation<Input, Output>[]): Node<Input, Output> {
  const events: Array<{ time: number; node: Node<Input, Output> }> = [];
  ops.forEach((op, index) => {
    const call: Node<Input, Output> = { op, isCall: true, index, match: null, previous: null, next: null };
    const ret: Node<Input, Output> = { op, isCall: false, index, match: null, previous: null, next: null };
    call.match = ret;
    events.push({ time: op.call, node: call }, { time: op.ret, node: ret });
  });
  // At equal times calls go first: treating such operations as concurrent never invents a violation.
  events.sort((a, b) => {
    if (a.time !== b.time) return a.time < b.time ? -1 : 1; // Infinity - Infinity would be NaN
    if (a.node.isCall !== b.node.isCall) return a.node.isCall ? -1 : 1;
    return a.node.index - b.node.index;
  });
  const head: Node<Input, Output> = { op: ops[0]!, isCall: false, index: -1, match: null, previous: null, next: null };
  let tail = head;
  for (const { node } of events) {
    tail.next = node;
    node.previous = tail;
    tail = node;
  }
  return head;
}

function lift<Input, Output>(call: Node<Input, Output>): void {
  call.previous!.next = call.next;
  if (call.next !== null) call.next.previous = call.previous;
  const ret = call.match!;
  ret.previous!.next = ret.next;
  if (ret.next !== null) ret.next.previous = ret.previous;
}

function unlift<Input, Output>(call: Node<Input, Output>): void {
  const ret = call.match!;
  ret.previous!.next = ret;
  if (ret.next !== null) ret.next.previous = ret;
  call.previous!.next = call;
  if (call.next !== null) call.next.previous = call;
}

function checkPartition<State, Input, Output>(
  model: Model<State, Input, Output>,
  ops: readonly Operation<Input, Output>[],
  stepsMax: number,
): 'ok' | 'gave-up' | string {
  if (ops.length === 0) return 'ok';
  const head = buildList(ops);
  const linearized = new Uint8Array(Math.ceil(ops.length / 8));
  const seen = new Set<string>();
  const stack: Array<{ call: Node<Input, Output>; state: State }> = [];
  let state = model.init();
  let entry = head.next;
  let longest: Array<Node<Input, Output>> = [];
  let stuckAtLongest: Operation<Input, Output> = ops[0]!;
  for (let steps = 0; head.next !== null; steps += 1) {
    if (steps > stepsMax) return 'gave-up';
    if (entry === null) return 'internal: ran off the end of the history';
    if (entry.isCall) {
      const stepped = model.step(state, entry.op.input, entry.op.output);
      if (stepped !== null) {
        const next = stepped.next;
        linearized[entry.index >> 3]! ^= 1 << (entry.index & 7);
        const key = `${model.stateKey(next)}|${linearized.join(',')}`;
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ call: entry, state });
          state = next;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized[entry.index >> 3]! ^= 1 << (entry.index & 7);
      }
      entry = entry.next;
    } else {
      if (stack.length >= longest.length) {
        longest = stack.map((s) => s.call);
        stuckAtLongest = entry.op;
      }
      const top = stack.pop();
      if (top === undefined) return explain(model, ops, longest, stuckAtLongest);
      state = top.state;
      linearized[top.call.index >> 3]! ^= 1 << (top.call.index & 7);
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return 'ok';
}

function explain<State, Input, Output>(
  model: Model<State, Input, Output>,
  ops: readonly Operation<Input, Output>[],
  longest: ReadonlyArray<Node<Input, Output>>,
  stuck: Operation<Input, Output>,
): string {
  const shown = longest.slice(-8).map((n) => model.describe(n.op.input, n.op.output)).join(', ');
  const order = longest.length > 8 ? `…${longest.length - 8} more, ${shown}` : shown;
  return `no order of the ${ops.length} operations fits; the longest valid prefix was [${order}], after which ${model.describe(stuck.input, stuck.output)} (client ${stuck.client}, call ${stuck.call}, return ${stuck.ret}) had returned but could not be placed`;
}
