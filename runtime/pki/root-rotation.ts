/**
 * Replacing the cluster's root CA without a moment when two nodes refuse
 * each other. The cluster drives the sequence (through the replicated store);
 * these are the primitives for each step, in order:
 *
 *   1. beginRootRotation(): a new root (next generation, same cluster) and a
 *      certificate of it cross-signed by the old root. Every node's trust
 *      bundle becomes {old, new} (`trustDuringRotation`).
 *   2. Every node is re-issued a leaf by the new root and presents
 *      `leaf + cross-signed` (chainToPresent()): a node that has not yet
 *      received the new bundle still trusts only the old root, and reaches it
 *      through the cross-signed certificate.
 *   3. When every node holds a new leaf and the two-root bundle,
 *      finishRootRotation() drops the old root; nodes present their leaf
 *      alone. A leaf of the old root is refused from then on.
 *
 * Join tokens pin a root, so after step 3 both tokens must be rotated
 * (JoinTokenRegistry.rotate) to pin the new one; during steps 1-2 a manager
 * accepts tokens pinning either root.
 */
import type { Clock } from '../common/clock.js';
import { CertificateAuthority } from './certificate-authority.js';
import type { TrustBundle } from './trust-bundle.js';

export interface RootRotation {
  previous: CertificateAuthority;
  next: CertificateAuthority;
  /** The new root's name and key, signed by the previous root (CA, pathLength 0). */
  crossSignedPem: string;
  /** What every node trusts during steps 1-2: both roots. */
  trustDuringRotation: TrustBundle;
}

/** Step 1. `trust` is the bundle in force now (normally just `previous`'s root). */
export async function beginRootRotation(previous: CertificateAuthority, trust: TrustBundle, clock: Clock): Promise<RootRotation> {
  const next = await CertificateAuthority.create({ clusterId: previous.clusterId, clock, generation: previous.generation + 1 });
  const crossSignedPem = await previous.crossSign(next.certificate);
  return { previous, next, crossSignedPem, trustDuringRotation: trust.withRoot(next.certificate) };
}

/** Step 2: what a node re-issued by the new root presents in TLS while the rotation runs. */
export function chainToPresent(leafPem: string, rotation: Pick<RootRotation, 'crossSignedPem'> | undefined): string {
  const leaf = leafPem.endsWith('\n') ? leafPem : `${leafPem}\n`;
  return rotation === undefined ? leaf : leaf + rotation.crossSignedPem;
}

/** Step 3: the bundle without the previous root. */
export function finishRootRotation(trust: TrustBundle, previousRootDigestHex: string): TrustBundle {
  return trust.withoutRoot(previousRootDigestHex);
}
