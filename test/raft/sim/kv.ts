// The replicated state machine of the simulation: a tiny key-value store
// with put, get and compare-and-set. Commands travel as JSON in entry data.

export type KvCommand =
  | { op: 'put'; key: string; value: string; id: string }
  | { op: 'cas'; key: string; expected: string | null; value: string; id: string }
  | { op: 'barrier'; id: string };

export type KvResult = { ok: boolean } | null;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCommand(command: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(command));
}

export function decodeCommand(data: Uint8Array): KvCommand | null {
  if (data.length === 0) return null;
  try {
    return JSON.parse(decoder.decode(data)) as KvCommand;
  } catch {
    return null;
  }
}

export class KvStore {
  private values = new Map<string, string>();

  apply(data: Uint8Array): KvResult {
    const command = decodeCommand(data);
    if (command === null) return null;
    switch (command.op) {
      case 'put':
        this.values.set(command.key, command.value);
        return { ok: true };
      case 'cas': {
        const current = this.values.get(command.key) ?? null;
        if (current !== command.expected) return { ok: false };
        this.values.set(command.key, command.value);
        return { ok: true };
      }
      case 'barrier':
        return { ok: true };
    }
  }

  get(key: string): string | null {
    return this.values.get(key) ?? null;
  }

  serialize(): Uint8Array {
    const pairs = [...this.values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return encoder.encode(JSON.stringify(pairs));
  }

  restore(data: Uint8Array): void {
    this.values = new Map(data.length === 0 ? [] : (JSON.parse(decoder.decode(data)) as Array<[string, string]>));
  }

  /** A canonical string of the whole state, to compare replicas. */
  fingerprint(): string {
    return decoder.decode(this.serialize());
  }
}
