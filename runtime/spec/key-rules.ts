/**
 * Which keys each Compose map may hold. A key is either supported, known to
 * Compose but not supported by edgectl (with the reason and what to do
 * instead), or unknown (most often a typo, so the nearest known key is
 * suggested). Swarm skips keys it does not use without a word; edgectl
 * refuses them, because a setting that silently does nothing is worse than
 * an error.
 */

export interface KeyRules {
  /** What the map is, in messages: "a service", "deploy.resources". */
  readonly subject: string;
  readonly supported: readonly string[];
  /** Compose keys edgectl does not implement → why, and what to do instead. */
  readonly unsupported: Readonly<Record<string, string>>;
  /** Compose lets "x-*" keys hold YAML anchors for reuse; they carry no setting. */
  readonly extensions: boolean;
}

/** Edits needed to turn one key into another, for "did you mean". Keys are short, so O(n·m) is fine. */
export function editDistance(from: string, to: string): number {
  let previous = Array.from({ length: to.length + 1 }, (_, index) => index);
  for (let i = 1; i <= from.length; i++) {
    const current = [i];
    for (let j = 1; j <= to.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (from[i - 1] === to[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[to.length] ?? 0;
}

/** The closest candidate within two edits (or a case-only difference), if any. */
export function nearestKey(key: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** The sentence for a key that is not allowed, without the path in front. */
export function explainKey(key: string, rules: KeyRules): { code: 'EDGE_SPEC_UNSUPPORTED_KEY' | 'EDGE_SPEC_UNKNOWN_KEY'; predicate: string } {
  const reason = Object.hasOwn(rules.unsupported, key) ? rules.unsupported[key] : undefined;
  if (reason !== undefined) return { code: 'EDGE_SPEC_UNSUPPORTED_KEY', predicate: `is not supported by edgectl (${reason})` };
  const nearest = nearestKey(key, [...rules.supported, ...Object.keys(rules.unsupported)]);
  const hint = nearest === null ? '' : ` Did you mean ${nearest}?`;
  return {
    code: 'EDGE_SPEC_UNKNOWN_KEY',
    predicate: `is not a key of ${rules.subject}.${hint} The keys edgectl supports there are: ${rules.supported.join(', ')}`,
  };
}
