/**
 * The manager's side of join tokens: which secret grants which role.
 *
 * Only a hash of each secret is kept, so the replicated store (and its
 * snapshots, and its backups) cannot be used to join. Plain SHA-256 is
 * enough: the secrets are 160 random bits, so there is nothing to brute-force
 * that a slow hash would protect. Comparison is constant-time and always
 * against every role, so timing tells an attacker nothing.
 *
 * Because only hashes are kept, a token can be shown only when it is made
 * (init or rotate). Rotating a role's token invalidates the old one for new
 * joins only; nodes that already joined hold certificates and never present
 * a token again.
 */
import { nodeCrypto } from '../common/builtin.js';
import type { Clock } from '../common/clock.js';
import { PkiError } from './errors.js';
import { formatJoinToken, generateJoinTokenSecret, parseJoinToken } from './join-token.js';
import { NODE_ROLES, type NodeRole } from './names.js';
import { shortDigest } from './pem.js';

export interface JoinTokenRecord {
  /** SHA-256 (hex) of the domain-separated secret; see secretHashHex(). */
  secretSha256Hex: string;
  /** When this secret was made, epoch ms: shown by `join-token` so people know a rotation took. */
  createdAtMs: number;
}

/** Plain data, safe to replicate: what the Raft store keeps. */
export type JoinTokenRegistryState = Readonly<Record<NodeRole, JoinTokenRecord>>;

export class JoinTokenRegistry {
  private records: Record<NodeRole, JoinTokenRecord>;

  constructor(state: JoinTokenRegistryState) {
    this.records = { manager: { ...state.manager }, worker: { ...state.worker } };
  }

  /**
   * A registry with a fresh secret per role, and the two printable tokens
   * (pinning `caDigestHex`). The tokens are not kept: show them now.
   */
  static create(caDigestHex: string, clock: Clock): { registry: JoinTokenRegistry; tokens: Record<NodeRole, string> } {
    const workerSecret = generateJoinTokenSecret();
    const managerSecret = generateJoinTokenSecret();
    const nowMs = clock.nowMs();
    const registry = new JoinTokenRegistry({
      worker: { secretSha256Hex: secretHashHex(workerSecret), createdAtMs: nowMs },
      manager: { secretSha256Hex: secretHashHex(managerSecret), createdAtMs: nowMs },
    });
    return {
      registry,
      tokens: {
        worker: formatJoinToken({ caDigestHex, secret: workerSecret }),
        manager: formatJoinToken({ caDigestHex, secret: managerSecret }),
      },
    };
  }

  /** Replaces `role`'s secret; returns the new token. The old one stops admitting new joins at once. */
  rotate(role: NodeRole, caDigestHex: string, clock: Clock): string {
    const secret = generateJoinTokenSecret();
    this.records = { ...this.records, [role]: { secretSha256Hex: secretHashHex(secret), createdAtMs: clock.nowMs() } };
    return formatJoinToken({ caDigestHex, secret });
  }

  /**
   * The role a presented token grants. `acceptedCaDigestsHex` are the roots
   * this cluster answers for (two during a root rotation); a token pinning
   * another CA is refused before its secret is looked at.
   */
  roleForToken(token: string, acceptedCaDigestsHex: readonly string[]): NodeRole {
    const parsed = parseJoinToken(token);
    if (!acceptedCaDigestsHex.some((digest) => digest.toLowerCase() === parsed.caDigestHex)) {
      throw new PkiError(
        'EDGE_PKI_TOKEN_WRONG_CA',
        `the token pins CA ${shortDigest(parsed.caDigestHex)}, this cluster's is ${acceptedCaDigestsHex.map(shortDigest).join(' or ')}: the token is from another cluster (or from before a CA rotation); get a current one with \`edgectl swarm join-token\``,
      );
    }
    const presented = Buffer.from(secretHashHex(parsed.secret), 'hex');
    let granted: NodeRole | undefined;
    // Compare against every role, without stopping early.
    for (const role of NODE_ROLES) {
      const stored = Buffer.from(this.records[role].secretSha256Hex, 'hex');
      const equal = stored.length === presented.length && nodeCrypto().timingSafeEqual(stored, presented);
      if (equal) granted = role;
    }
    if (granted === undefined) {
      throw new PkiError(
        'EDGE_PKI_TOKEN_INVALID',
        'the join token is not valid for this cluster (it was rotated, or mistyped): get the current one with `edgectl swarm join-token worker|manager` on a manager',
      );
    }
    return granted;
  }

  /** A copy of the hashes, for the replicated store. */
  state(): JoinTokenRegistryState {
    return { manager: { ...this.records.manager }, worker: { ...this.records.worker } };
  }
}

/** Domain-separated so the hash of a join secret cannot be confused with any other SHA-256 in the system. */
export function secretHashHex(secret: string): string {
  return nodeCrypto().createHash('sha256').update('edgectl join secret v1\0').update(secret).digest('hex');
}
