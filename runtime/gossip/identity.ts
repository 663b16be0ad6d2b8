// Checks on what the local node says about itself (constructor, join,
// updateSelf): these are configuration or driver mistakes, reported as
// GossipErrors naming the field, before anything is announced to peers.
import type { GossipConfig } from './config.js';
import { GossipError, GossipErrorCode } from './errors.js';
import { isMemberId, isRole, utf8Bytes } from './messages.js';

/** Throws EDGE_GOSSIP_IDENTITY_INVALID naming the field. */
export function checkIdentity(config: GossipConfig, id: string, address: string, role: string, labels: Uint8Array): void {
  const invalid = (field: string, problem: string): never => {
    throw new GossipError(GossipErrorCode.IdentityInvalid, `this node's ${field} ${problem}`, field);
  };
  if (!isMemberId(id)) invalid('id', 'must be 1-64 characters of A-Z a-z 0-9 . _ - (the certificate CN)');
  if (typeof address !== 'string' || address.length === 0 || utf8Bytes(address) > config.addressBytesMax) {
    invalid('address', `must be a "host:port" of at most addressBytesMax (${config.addressBytesMax}) bytes`);
  }
  if (!isRole(role)) invalid('role', 'must be "manager" or "worker"');
  if (!(labels instanceof Uint8Array) || labels.byteLength > config.labelsBytesMax) {
    invalid('labels', `must be at most labelsBytesMax (${config.labelsBytesMax}) bytes; keep labels small, they ride on gossip`);
  }
}

/** The seeds join() may use (deduplicated, own address dropped), or the reason they are unusable. */
export function usableSeeds(config: GossipConfig, seedAddresses: readonly string[], ownAddress: string): string[] | GossipError {
  const seeds = [...new Set(seedAddresses)].filter((seed) => seed !== ownAddress);
  const refuse = (message: string): GossipError => new GossipError(GossipErrorCode.JoinInvalid, message, 'seeds');
  const bad = seeds.find((seed) => typeof seed !== 'string' || seed.length === 0 || utf8Bytes(seed) > config.addressBytesMax);
  if (bad !== undefined) return refuse(`seed address ${JSON.stringify(bad)} is not a "host:port" of at most ${config.addressBytesMax} bytes`);
  if (seeds.length === 0) return refuse('join needs at least one seed address other than our own');
  if (seeds.length > config.seedsMax) return refuse(`join takes at most seedsMax (${config.seedsMax}) seeds, got ${seeds.length}`);
  return seeds;
}
