// A tiny CBOR writer for tests: builds frames byte by byte, including ones
// no honest encoder would produce (huge declared lengths, tags, duplicate
// keys), so tests can say exactly which bytes a peer sent.

export function head(major: number, argument: number | bigint): number[] {
  const value = BigInt(argument);
  const top = major << 5;
  if (value < 24n) return [top | Number(value)];
  if (value < 0x100n) return [top | 24, Number(value)];
  if (value < 0x10000n) return [top | 25, Number(value >> 8n), Number(value & 0xffn)];
  if (value < 0x1_0000_0000n) return [top | 26, ...bigEndian(value, 4)];
  return [top | 27, ...bigEndian(value, 8)];
}

function bigEndian(value: bigint, size: number): number[] {
  const out: number[] = [];
  for (let i = size - 1; i >= 0; i--) out.push(Number((value >> BigInt(8 * i)) & 0xffn));
  return out;
}

export function text(value: string): number[] {
  const encoded = [...new TextEncoder().encode(value)];
  return [...head(3, encoded.length), ...encoded];
}

export function bytes(value: ArrayLike<number>): number[] {
  return [...head(2, value.length), ...Array.from(value)];
}

export function uintItem(value: number | bigint): number[] {
  return head(0, value);
}

/** A definite-length map from [key bytes, value bytes] pairs (keys may repeat: tests need that). */
export function map(entries: Array<[number[], number[]]>): number[] {
  return [...head(5, entries.length), ...entries.flatMap(([key, value]) => [...key, ...value])];
}

export function arrayOf(items: number[][]): number[] {
  return [...head(4, items.length), ...items.flat()];
}

/** A frame map with text keys. */
export function frame(fields: Record<string, number[]>): Uint8Array {
  return Uint8Array.from(map(Object.entries(fields).map(([key, value]) => [text(key), value])));
}

export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
}

export function toHex(value: Uint8Array): string {
  return Buffer.from(value).toString('hex');
}
