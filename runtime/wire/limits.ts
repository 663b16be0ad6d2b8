// Bounds every decoded frame must respect. They are checked on the raw bytes
// before any object is built, so a hostile or broken peer can cost at most
// these amounts of memory and CPU per frame.
import { WireError, WireErrorCode } from './errors.js';

export interface WireLimits {
  /**
   * Longest frame accepted or produced, in bytes. Default 4 MiB: a Raft
   * append or snapshot chunk fits, and a Pi Zero 2 W (512 MB) can hold a few
   * in flight per link. Raise it only with the transport's send queue bound.
   */
  readonly frameBytesMax: number;
  /**
   * Deepest nesting of arrays and maps; the frame's own map counts as 1.
   * Default 32: our schemas need about 6, opaque payloads get the rest. Also
   * bounds recursion in the decoder, so keep it well under a thousand.
   */
  readonly depthMax: number;
  /**
   * Most CBOR data items in one frame (every value, key and element counts).
   * Default 262,144: bounds the objects a frame can make the decoder build
   * (each costs tens of heap bytes) independently of the byte limit, since a
   * one-byte item can become a 16-byte JS value.
   */
  readonly itemsMax: number;
  /** Longest text string anywhere in a frame, in UTF-8 bytes. Default 1 MiB. */
  readonly stringBytesMax: number;
  /** Longest map key, in UTF-8 bytes. Default 128: keys are field names, not data. */
  readonly keyBytesMax: number;
}

export const defaultWireLimits: WireLimits = Object.freeze({
  frameBytesMax: 4 * 1024 * 1024,
  depthMax: 32,
  itemsMax: 262_144,
  stringBytesMax: 1024 * 1024,
  keyBytesMax: 128,
});

/** Highest `depthMax` accepted: the decoder recurses once per level. */
const depthMaxCeiling = 512;
/** Highest `frameBytesMax` accepted: 256 MiB is beyond any board's comfort. */
const frameBytesMaxCeiling = 256 * 1024 * 1024;

/**
 * The default limits with some fields replaced, checked. String bounds not
 * given follow a smaller frame bound down, so `{ frameBytesMax: 1024 }` alone
 * is a valid setting.
 */
export function wireLimits(overrides: Partial<WireLimits> = {}): WireLimits {
  const frameBytesMax = overrides.frameBytesMax ?? defaultWireLimits.frameBytesMax;
  const stringBytesMax = overrides.stringBytesMax ?? Math.min(defaultWireLimits.stringBytesMax, frameBytesMax);
  const keyBytesMax = overrides.keyBytesMax ?? Math.min(defaultWireLimits.keyBytesMax, stringBytesMax);
  const limits = Object.freeze({ ...defaultWireLimits, ...overrides, frameBytesMax, stringBytesMax, keyBytesMax });
  validateWireLimits(limits);
  return limits;
}

/** Throws EDGE_WIRE_LIMITS_INVALID naming the field and the fix. */
export function validateWireLimits(limits: WireLimits): void {
  const within = (field: keyof WireLimits, low: number, high: number): void => {
    const value = limits[field];
    if (!Number.isSafeInteger(value) || value < low || value > high) {
      throw new WireError(
        WireErrorCode.LimitsInvalid,
        `wire limit ${field} must be a whole number from ${low} to ${high}, got ${String(value)}`,
        { field },
      );
    }
  };
  within('frameBytesMax', 16, frameBytesMaxCeiling);
  within('depthMax', 2, depthMaxCeiling);
  within('itemsMax', 8, Number.MAX_SAFE_INTEGER);
  within('stringBytesMax', 1, limits.frameBytesMax);
  within('keyBytesMax', 8, limits.stringBytesMax);
}
