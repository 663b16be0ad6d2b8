// Memory amounts as a person reads them in an explanation.

const mebibyte = 1024 * 1024;

/**
 * Bytes as MiB with at most one decimal. Free memory is rounded down and a
 * need rounded up, so the text never suggests a task fits when it does not.
 */
export function formatMemory(bytes: number, rounding: 'up' | 'down'): string {
  const tenths = (bytes / mebibyte) * 10;
  const rounded = (rounding === 'up' ? Math.ceil(tenths - 1e-9) : Math.floor(tenths + 1e-9)) / 10;
  return `${rounded} MiB`;
}
