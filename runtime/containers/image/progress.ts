/**
 * Progress reports for the CLI's bars. One callback receives every event;
 * byte counts are cumulative per blob so a missed event loses nothing.
 */
import type { Digest } from './digest.js';

export type PullProgress =
  /** The manifest was resolved; `layers` lists every layer with its size so bars can be drawn up front. */
  | { phase: 'resolved'; reference: string; imageId: Digest; layers: { digest: Digest; totalBytes: number }[] }
  /** Compressed bytes of one layer received (including bytes resumed from an earlier attempt). */
  | { phase: 'download'; digest: Digest; bytesDone: number; bytesTotal: number }
  /** The download of one blob broke and is being retried from `fromByte` (0 when restarting). */
  | { phase: 'retry'; digest: Digest; fromByte: number; attempt: number; reason: string }
  /** The layer was already in the store. */
  | { phase: 'exists'; digest: Digest; bytesTotal: number }
  /** Uncompressed bytes of one layer unpacked so far (total unknown until the end). */
  | { phase: 'unpack'; digest: Digest; bytesDone: number }
  | { phase: 'done'; imageId: Digest };

export type ProgressListener = (event: PullProgress) => void;
