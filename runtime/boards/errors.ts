/**
 * Errors raised while loading board profiles, detecting the board edged runs
 * on, and reading the boot-partition config. Each code is stable; boards/README.md
 * lists them with the fix.
 */
import { EdgeError } from '../common/errors.js';

/** A board profile file (boards/*.json) breaks the schema. The message names the file and the field. */
export class BoardProfileInvalidError extends EdgeError {
  constructor(readonly source: string, readonly field: string, problem: string) {
    super('EDGE_BOARD_PROFILE_INVALID', `${source}: field "${field}" ${problem}; fix the profile (schema in boards/README.md)`);
    this.name = 'BoardProfileInvalidError';
  }
}

/** Someone asked for a board id no profile has (e.g. `--board pi6`). */
export class BoardUnknownError extends EdgeError {
  constructor(readonly boardId: string, knownIds: readonly string[]) {
    super('EDGE_BOARD_UNKNOWN', `no board profile "${boardId}"; use one of: ${knownIds.join(', ')}`);
    this.name = 'BoardUnknownError';
  }
}

/** The device tree names a known board, but the running process is built for another architecture. */
export class BoardArchMismatchError extends EdgeError {
  constructor(readonly boardId: string, readonly expectedArch: string, readonly actualArch: string) {
    super(
      'EDGE_BOARD_ARCH_MISMATCH',
      `this is a ${boardId} (${expectedArch}) but edged runs as ${actualArch}; flash the 64-bit (${expectedArch}) image built by firmware-scripts/build-image.ts`,
    );
    this.name = 'BoardArchMismatchError';
  }
}

/** No profile matches and there is no generic fallback profile for this CPU architecture. */
export class BoardArchUnsupportedError extends EdgeError {
  constructor(readonly arch: string, supported: readonly string[]) {
    super('EDGE_BOARD_ARCH_UNSUPPORTED', `edged has no board profile for architecture "${arch}"; supported: ${supported.join(', ')}`);
    this.name = 'BoardArchUnsupportedError';
  }
}

/** A /proc file detection needs is missing or unreadable (wrong root dir, or not Linux). */
export class BoardFactsUnreadableError extends EdgeError {
  constructor(readonly path: string, problem: string) {
    super('EDGE_BOARD_FACTS_UNREADABLE', `${path}: ${problem}; edged needs Linux with /proc mounted to size itself`);
    this.name = 'BoardFactsUnreadableError';
  }
}

/** edgectl.yaml on the boot partition breaks its schema. The message names the file and the field. */
export class BootConfigInvalidError extends EdgeError {
  constructor(readonly source: string, readonly field: string, problem: string) {
    super('EDGE_BOOT_CONFIG_INVALID', `${source}: field "${field}" ${problem}; fix it (schema in boards/README.md)`);
    this.name = 'BootConfigInvalidError';
  }
}

/** A join token does not have the EDGE1-<sha256 hex>-<secret> shape. */
export class JoinTokenMalformedError extends EdgeError {
  constructor(source: string, problem: string) {
    super(
      'EDGE_JOIN_TOKEN_MALFORMED',
      `${source}: join token ${problem}; copy it again from \`edgectl swarm join-token worker\` (shape: EDGE1-<64 hex>-<secret of 16+ letters/digits>)`,
    );
    this.name = 'JoinTokenMalformedError';
  }
}
