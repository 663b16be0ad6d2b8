// The linearizability checker on hand-made histories, some linearizable and
// some not, so a checker that always says "ok" (or always "violation") fails.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkHistory } from './linearizability.js';
import { kvModel, type KvInput, type KvOperation, type KvOutput } from './kv-model.js';

let nextId = 0;
function op(client: number, input: KvInput, output: KvOutput | undefined, call: number, ret: number): KvOperation {
  return { id: nextId++, client, input, output, call, ret };
}
const put = (key: string, value: string): KvInput => ({ kind: 'put', key, value });
const get = (key: string): KvInput => ({ kind: 'get', key });
const cas = (key: string, expected: string | null, value: string): KvInput => ({ kind: 'cas', key, expected, value });
const unknown = Number.POSITIVE_INFINITY;

function verdict(ops: KvOperation[]): string {
  return checkHistory(kvModel, ops).verdict;
}

test('a sequential history that follows the register is linearizable', () => {
  // Proves the checker accepts the obvious case.
  assert.is(verdict([op(1, put('a', '1'), {}, 0, 1), op(1, get('a'), { value: '1' }, 2, 3), op(1, cas('a', '1', '2'), { ok: true }, 4, 5), op(1, get('a'), { value: '2' }, 6, 7)]), 'ok');
});

test('a read that returns an older value after a newer write completed is not linearizable', () => {
  // Proves real-time order is enforced: the stale read happened entirely after put(2).
  assert.is(verdict([op(1, put('a', '1'), {}, 0, 1), op(1, put('a', '2'), {}, 2, 3), op(2, get('a'), { value: '1' }, 4, 5)]), 'violation');
});

test('a read concurrent with a write may see either value', () => {
  // Proves overlapping operations may be ordered either way.
  const before = [op(1, put('a', '1'), {}, 0, 1), op(1, put('a', '2'), {}, 2, 6), op(2, get('a'), { value: '1' }, 3, 4)];
  const after = [op(1, put('a', '1'), {}, 0, 1), op(1, put('a', '2'), {}, 2, 6), op(2, get('a'), { value: '2' }, 3, 4)];
  assert.is(verdict(before), 'ok');
  assert.is(verdict(after), 'ok');
});

test('reads that see x, then y, then x again while each value is written once are not linearizable', () => {
  // Proves the checker finds violations that need search: each read alone is fine, together they are not.
  const ops = [
    op(1, put('a', 'x'), {}, 0, 20),
    op(2, put('a', 'y'), {}, 0, 20),
    op(3, get('a'), { value: 'x' }, 1, 2),
    op(4, get('a'), { value: 'y' }, 3, 4),
    op(3, get('a'), { value: 'x' }, 5, 6),
  ];
  assert.is(verdict(ops), 'violation');
  assert.is(verdict(ops.slice(0, 4)), 'ok', 'without the last read, y may simply have been written after x');
});

test('compare-and-set outcomes must agree with the value they saw', () => {
  // Proves the cas model: a cas that claims success on a mismatching value is rejected.
  assert.is(verdict([op(1, put('a', '1'), {}, 0, 1), op(1, cas('a', '0', '2'), { ok: true }, 2, 3)]), 'violation');
  assert.is(verdict([op(1, put('a', '1'), {}, 0, 1), op(1, cas('a', '0', '2'), { ok: false }, 2, 3), op(1, get('a'), { value: '1' }, 4, 5)]), 'ok');
  assert.is(verdict([op(1, cas('a', null, '1'), { ok: true }, 0, 1), op(2, cas('a', null, '2'), { ok: true }, 2, 3)]), 'violation');
});

test('a write with an unknown outcome may take effect late, or never', () => {
  // Proves timed-out operations are handled: they can explain a later read, and need not explain anything.
  const tookEffect = [op(1, put('a', '1'), {}, 0, 1), op(2, put('a', '2'), undefined, 2, unknown), op(3, get('a'), { value: '2' }, 10, 11)];
  const never = [op(1, put('a', '1'), {}, 0, 1), op(2, put('a', '2'), undefined, 2, unknown), op(3, get('a'), { value: '1' }, 10, 11)];
  const beforeItsCall = [op(1, put('a', '1'), {}, 0, 1), op(3, get('a'), { value: '2' }, 2, 3), op(2, put('a', '2'), undefined, 4, unknown)];
  assert.is(verdict(tookEffect), 'ok');
  assert.is(verdict(never), 'ok');
  assert.is(verdict(beforeItsCall), 'violation', 'a write cannot be seen before it was invoked');
});

test('keys are checked independently, and a violation names its key', () => {
  // Proves per-key partitioning: a violation on b is found among valid operations on a.
  const result = checkHistory(kvModel, [
    op(1, put('a', '1'), {}, 0, 1),
    op(1, put('b', '1'), {}, 2, 3),
    op(2, get('a'), { value: '1' }, 4, 5),
    op(2, get('b'), { value: null }, 6, 7),
  ]);
  assert.is(result.verdict, 'violation');
  if (result.verdict === 'violation') {
    assert.is(result.partition, 'b');
    assert.match(result.explanation, /get\(b\)→null/);
  }
});

test('a long concurrent history stays fast thanks to memoization', () => {
  // Proves the search is bounded on a realistic size: 4 clients, 400 overlapping operations on one key.
  const ops: KvOperation[] = [];
  let time = 0;
  let value: string | null = null;
  for (let i = 0; i < 100; i += 1) {
    const start = time;
    for (let client = 0; client < 4; client += 1) {
      if (client === 0) {
        value = `v${i}`;
        ops.push(op(client, put('k', value), {}, start, start + 10));
      } else {
        ops.push(op(client, get('k'), { value: client === 1 ? (i === 0 ? null : `v${i - 1}`) : value }, start + client, start + 10 + client));
      }
    }
    time += 20;
  }
  const started = performance.now();
  const result = checkHistory(kvModel, ops, { stepsMax: 200_000 });
  assert.is(result.verdict, 'ok');
  assert.ok(performance.now() - started < 5_000);
});

test.run();
