// How edgectl prints: aligned tables for people, JSON for scripts.

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('   ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** "3 minutes ago" from a timestamp; for tables, not JSON. */
export function ago(ms: number, nowMs: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((nowMs - ms) / 1000));
  if (seconds < 60) return `${seconds} seconds ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} minutes ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} hours ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}

/** "ready" → "Ready": tables capitalise states the way `docker node ls` does; JSON keeps the raw words. */
export function capitalized(word: string): string {
  return word.length === 0 ? word : `${word[0]!.toUpperCase()}${word.slice(1)}`;
}

/** 3_900_000_000 → "3.6GiB": memory sizes for people. */
export function bytesText(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)}${units[unit]}`;
}

/** A labelled value; a section heading when the value is absent; a plain string is a line of its own. Nested labels start with a space. */
export type FieldRow = readonly [label: string, value?: string] | string;

/** "Label:  value" lines with the values aligned, the way `docker info` and `node inspect --pretty` print. */
export function fields(rows: readonly FieldRow[]): string {
  const labelled = rows.filter((row): row is readonly [string, string] => typeof row !== 'string' && row[1] !== undefined);
  const width = Math.max(0, ...labelled.map(([label]) => label.length)) + 3;
  return rows
    .map((row) => {
      if (typeof row === 'string') return row;
      const [label, value] = row;
      return value === undefined ? `${label}:` : `${`${label}:`.padEnd(width)}${value}`.trimEnd();
    })
    .join('\n');
}
