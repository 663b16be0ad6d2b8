// What every part of a running node shares: settings, logging, time, chance
// and the frame codec.
import type { Rng } from '../common/rng.js';
import type { TrustedTime } from '../pki/trusted-time.js';
import type { LinkCodec } from '../transport/frames.js';
import type { DaemonConfig } from './config.js';

export interface NodeContext {
  config: DaemonConfig;
  log: (line: string) => void;
  time: TrustedTime;
  rng: Rng;
  codec: LinkCodec;
  /** The host:port peers dial, resolved at start (see addresses.ts). */
  advertiseAddr: string;
  /** Platform facts published as node fields and labels. */
  platform: { os: string; arch: string; board: string; memoryBytes: number; allocatableBytes: number; cores: number; hostname: string; labels: Record<string, string> };
}
