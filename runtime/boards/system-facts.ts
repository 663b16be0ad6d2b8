/**
 * What the running system says about its hardware, read from /proc. The
 * parsers take text, not paths, so tests feed them strings; readSystemFacts()
 * takes a root directory so tests point it at a fixture tree instead of /.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BoardFactsUnreadableError } from './errors.js';

export interface SystemFacts {
  /** /proc/device-tree/model without its trailing NUL; null when the system has no device tree (x86, qemu-user). */
  model: string | null;
  /** MemTotal from /proc/meminfo, bytes: RAM the kernel manages (below the nominal size: firmware and GPU keep some). */
  memoryBytes: number;
  /** Logical CPUs listed in /proc/cpuinfo; null when none are listed. */
  cores: number | null;
  /** process.arch of the running Node (what the agent binary is built for). */
  arch: string;
}

export interface SystemFactsOptions {
  /** Directory standing for `/`: tests pass a fixture tree. Default "/". */
  rootDir?: string;
  /** Overrides process.arch (tests). */
  arch?: string;
}

/** Where the kernel exposes the model; the /sys path is the same node under another name. */
const MODEL_PATHS = ['proc/device-tree/model', 'sys/firmware/devicetree/base/model'];
/** /proc files are tiny; anything bigger is not what we think it is. */
const PROC_FILE_BYTES_MAX = 256 * 1024;

export function readSystemFacts(options: SystemFactsOptions = {}): SystemFacts {
  const rootDir = options.rootDir ?? '/';
  const meminfoPath = join(rootDir, 'proc/meminfo');
  const meminfo = readText(meminfoPath);
  if (meminfo === null) throw new BoardFactsUnreadableError(meminfoPath, 'cannot be read');
  const memoryBytes = parseMemTotalBytes(meminfo);
  if (memoryBytes === null) throw new BoardFactsUnreadableError(meminfoPath, 'has no "MemTotal: <n> kB" line');
  const cpuinfo = readText(join(rootDir, 'proc/cpuinfo'));
  let model: string | null = null;
  for (const path of MODEL_PATHS) {
    const text = readText(join(rootDir, path));
    if (text !== null) {
      model = parseDeviceTreeString(text);
      break;
    }
  }
  return { model, memoryBytes, cores: cpuinfo === null ? null : countProcessors(cpuinfo), arch: options.arch ?? process.arch };
}

function readText(path: string): string | null {
  try {
    const bytes = readFileSync(path);
    return bytes.subarray(0, PROC_FILE_BYTES_MAX).toString('utf8');
  } catch {
    return null;
  }
}

/** Device-tree strings end in NUL (and a list is NUL-separated): keep the first, trimmed. */
export function parseDeviceTreeString(text: string): string | null {
  const first = text.split('\0')[0]?.trim() ?? '';
  return first === '' ? null : first;
}

/** "MemTotal:        3884360 kB" → bytes. The kernel writes kB meaning KiB. */
export function parseMemTotalBytes(meminfo: string): number | null {
  const match = /^MemTotal:\s+(\d+)\s+kB\s*$/m.exec(meminfo);
  if (match === null) return null;
  const kib = Number(match[1]);
  return Number.isSafeInteger(kib) && kib > 0 ? kib * 1024 : null;
}

/** Counts "processor : N" stanzas (arm64 and x86 both write them); null when there are none. */
export function countProcessors(cpuinfo: string): number | null {
  const count = cpuinfo.split('\n').filter((line) => /^processor\s*:\s*\d+\s*$/.test(line)).length;
  return count === 0 ? null : count;
}
