// The printable join tokens a manager keeps in `<dataDir>/join-tokens.json`
// (mode 0600). The store replicates only hashes of the secrets, so a token can
// be shown again only by the manager that made it: at init, at
// `join-token --rotate`, or (under `pending`) at the start of a root CA
// rotation, whose tokens pin the new root and take effect when it finishes.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-file.js';
import { secretHashHex } from '../pki/join-token-registry.js';
import { parseJoinToken } from '../pki/join-token.js';

export interface TokenPair {
  worker: string;
  manager: string;
}

export interface SavedTokens extends TokenPair {
  /** Tokens pinning the next root, made when a root rotation started here. */
  pending?: TokenPair;
}

function tokensPath(dataDir: string): string {
  return join(dataDir, 'join-tokens.json');
}

function readSavedTokens(dataDir: string): Partial<SavedTokens> {
  if (!existsSync(tokensPath(dataDir))) return {};
  try {
    return JSON.parse(readFileSync(tokensPath(dataDir), 'utf8')) as Partial<SavedTokens>;
  } catch {
    return {};
  }
}

/** Replaces the current tokens; tokens pending a root rotation are kept unless given. */
export async function saveTokens(dataDir: string, tokens: SavedTokens): Promise<void> {
  const pending = tokens.pending ?? readSavedTokens(dataDir).pending;
  await writeFileAtomic(tokensPath(dataDir), JSON.stringify({ worker: tokens.worker, manager: tokens.manager, ...(pending ? { pending } : {}) }), { mode: 0o600 });
}

export async function savePendingTokens(dataDir: string, pending: TokenPair): Promise<void> {
  const saved = readSavedTokens(dataDir);
  await saveTokens(dataDir, { worker: saved.worker ?? '', manager: saved.manager ?? '', pending });
}

/** The printable token for `role` whose secret hashes to `currentHash`, if this manager holds it. */
export function savedToken(dataDir: string, role: keyof TokenPair, currentHash: string): string | undefined {
  const saved = readSavedTokens(dataDir);
  for (const token of [saved[role], saved.pending?.[role]]) {
    try {
      if (typeof token === 'string' && token !== '' && secretHashHex(parseJoinToken(token).secret) === currentHash) return token;
    } catch {
      // a damaged entry: not the current token
    }
  }
  return undefined;
}
