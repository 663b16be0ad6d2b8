/**
 * Every error edgectl shows a person or returns over the wire is an EdgeError:
 * a stable `code` a script can match on, a message that says what to do, and
 * whether trying again can help. docs/errors.md lists every code.
 *
 * Programmer errors are not EdgeErrors: they are assertion failures (see
 * assert.ts) and crash loudly.
 */
export class EdgeError extends Error {
  readonly code: string;
  /** True when the same call may succeed later without anyone changing anything. */
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EdgeError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  toJSON(): { code: string; message: string; retryable: boolean } {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}

export function isEdgeError(value: unknown, code?: string): value is EdgeError {
  return value instanceof EdgeError && (code === undefined || value.code === code);
}
