/**
 * Assertions guard invariants that only a bug can break. They throw an
 * AssertionFailure, which nothing should catch: a broken invariant in a
 * consensus core must stop the process, not be papered over.
 */
export class AssertionFailure extends Error {
  constructor(message: string) {
    super(`assertion failed: ${message}`);
    this.name = 'AssertionFailure';
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailure(message);
}

export function unreachable(value: never, message = 'unreachable'): never {
  throw new AssertionFailure(`${message}: ${String(value)}`);
}
