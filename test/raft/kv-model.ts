// The sequential specification of the simulator's key-value store, for the
// linearizability checker: one register per key.
import type { Model, Operation } from './linearizability.js';

export type KvInput =
  | { kind: 'get'; key: string }
  | { kind: 'put'; key: string; value: string }
  | { kind: 'cas'; key: string; expected: string | null; value: string };

export type KvOutput = { value: string | null } | { ok: boolean } | Record<string, never>;

export type KvOperation = Operation<KvInput, KvOutput>;

type Register = string | null;

export const kvModel: Model<Register, KvInput, KvOutput> = {
  init: () => null,
  step(state, input, output) {
    switch (input.kind) {
      case 'get':
        if (output === undefined) return { next: state };
        return 'value' in output && output.value === state ? { next: state } : null;
      case 'put':
        return { next: input.value };
      case 'cas': {
        const matches = state === input.expected;
        if (output === undefined) return { next: matches ? input.value : state };
        const ok = 'ok' in output ? output.ok : undefined;
        if (ok === true) return matches ? { next: input.value } : null;
        if (ok === false) return matches ? null : { next: state };
        return null;
      }
    }
  },
  stateKey: (state) => (state === null ? '\u0000' : state),
  partition: (input) => input.key,
  describe(input, output) {
    const result = output === undefined ? '?' : 'value' in output ? JSON.stringify(output.value) : 'ok' in output ? String(output.ok) : '';
    switch (input.kind) {
      case 'get':
        return `get(${input.key})→${result}`;
      case 'put':
        return `put(${input.key},${input.value})`;
      case 'cas':
        return `cas(${input.key},${JSON.stringify(input.expected)}→${input.value})→${result}`;
    }
  },
};
