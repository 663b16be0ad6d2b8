/**
 * Which board is this, and how much memory may containers have? edged asks
 * once at start. Order of evidence: the device-tree model names the board;
 * without a match, the generic profile of the CPU architecture applies. RAM
 * variants are told apart by MemTotal, which always sits a little below the
 * nominal size (firmware and GPU memory are carved out before Linux counts).
 */
import { BoardArchMismatchError, BoardArchUnsupportedError } from './errors.js';
import { type BoardProfile, profileMatchesModel } from './profile.js';
import { builtinProfiles } from './profiles.js';
import { readSystemFacts, type SystemFacts, type SystemFactsOptions } from './system-facts.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** Node labels a placement constraint can name (`node.labels.board == pi4b`). */
export interface BoardLabels {
  board: string;
  arch: string;
  /** Nominal RAM, e.g. "512MiB", "4GiB". */
  memory: string;
}

export interface DetectedBoard {
  /** Profile id, e.g. "pi4b". */
  board: string;
  profile: BoardProfile;
  arch: string;
  /** The device-tree model as read, null without a device tree. */
  model: string | null;
  matchedBy: 'device-tree-model' | 'arch-fallback';
  /** MemTotal, bytes. */
  memoryBytes: number;
  /** The RAM variant as sold (a listed size), or MemTotal rounded up for fallback profiles, bytes. */
  nominalMemoryBytes: number;
  cores: number;
  osReservedBytes: number;
  agentBudgetBytes: number;
  /** memoryBytes − osReservedBytes − agentBudgetBytes, never below 0: what the scheduler may hand to containers. */
  allocatableMemoryBytes: number;
  labels: BoardLabels;
}

/** Pure: facts and profiles in, the board out. Throws EDGE_BOARD_ARCH_MISMATCH / EDGE_BOARD_ARCH_UNSUPPORTED. */
export function detectBoard(facts: SystemFacts, profiles: readonly BoardProfile[] = builtinProfiles()): DetectedBoard {
  const named = facts.model === null ? undefined : profiles.find((profile) => !profile.fallbackForArch && profileMatchesModel(profile, facts.model!));
  if (named !== undefined && named.arch !== facts.arch) throw new BoardArchMismatchError(named.id, named.arch, facts.arch);
  const profile = named ?? profiles.find((candidate) => candidate.fallbackForArch && candidate.arch === facts.arch);
  if (profile === undefined) {
    throw new BoardArchUnsupportedError(facts.arch, profiles.filter((candidate) => candidate.fallbackForArch).map((candidate) => candidate.arch));
  }
  const nominalMemoryBytes = nominalMemory(profile, facts.memoryBytes);
  const osReservedBytes = profile.osReservedMiB * MIB;
  const agentBudgetBytes = profile.agentBudgetMiB * MIB;
  return {
    board: profile.id,
    profile,
    arch: facts.arch,
    model: facts.model,
    matchedBy: named === undefined ? 'arch-fallback' : 'device-tree-model',
    memoryBytes: facts.memoryBytes,
    nominalMemoryBytes,
    // cpuinfo wins over the profile: maxcpus= or a disabled core is what the scheduler really has.
    cores: facts.cores ?? profile.cores ?? 1,
    osReservedBytes,
    agentBudgetBytes,
    allocatableMemoryBytes: Math.max(0, facts.memoryBytes - osReservedBytes - agentBudgetBytes),
    labels: { board: profile.id, arch: facts.arch, memory: formatMemoryLabel(nominalMemoryBytes) },
  };
}

/** Reads /proc under `rootDir` (default "/") and detects; what edged calls at start. */
export function detectHostBoard(options: SystemFactsOptions & { profiles?: readonly BoardProfile[] } = {}): DetectedBoard {
  return detectBoard(readSystemFacts(options), options.profiles ?? builtinProfiles());
}

/**
 * The smallest listed variant that can hold MemTotal. Above the largest (a
 * profile that lags a new variant), the rounded MemTotal is the honest answer.
 */
export function nominalMemory(profile: BoardProfile, memoryBytes: number): number {
  const variantMiB = profile.ramSizesMiB.find((sizeMiB) => memoryBytes <= sizeMiB * MIB);
  if (variantMiB !== undefined) return variantMiB * MIB;
  const unit = memoryBytes < GIB ? 256 * MIB : GIB;
  return Math.ceil(memoryBytes / unit) * unit;
}

/** 536870912 → "512MiB", 4294967296 → "4GiB": short, and equal for every board of one variant. */
export function formatMemoryLabel(bytes: number): string {
  return bytes % GIB === 0 ? `${bytes / GIB}GiB` : `${Math.round(bytes / MIB)}MiB`;
}
