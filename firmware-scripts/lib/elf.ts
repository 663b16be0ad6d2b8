/**
 * Just enough ELF reading to refuse a binary built for the wrong CPU before
 * it lands on a board that cannot run it (an x86 node in an arm64 image only
 * fails at boot, far from whoever built the image).
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** e_machine values (ELF spec); only the ones we name in messages. */
export const ELF_MACHINES: Readonly<Record<number, string>> = { 62: 'x86_64', 183: 'aarch64', 40: 'arm', 243: 'riscv' };
export const EM_AARCH64 = 183;
const ELF_HEADER_BYTES = 64;

/** The e_machine of a 64-bit little-endian ELF file, or null when the file is not one. */
export function elfMachine(path: string): number | null {
  const header = Buffer.alloc(ELF_HEADER_BYTES);
  const fd = openSync(path, 'r');
  try {
    if (readSync(fd, header, 0, ELF_HEADER_BYTES, 0) < 20) return null;
  } finally {
    closeSync(fd);
  }
  const isElf = header[0] === 0x7f && header.toString('latin1', 1, 4) === 'ELF';
  // EI_CLASS 2 = 64-bit, EI_DATA 1 = little-endian: the only kind arm64 Linux runs.
  if (!isElf || header[4] !== 2 || header[5] !== 1) return null;
  return header.readUInt16LE(18);
}

export function describeMachine(machine: number | null): string {
  if (machine === null) return 'not a 64-bit little-endian ELF binary';
  return `an ELF binary for ${ELF_MACHINES[machine] ?? `machine ${machine}`}`;
}
