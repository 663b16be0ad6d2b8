// Node built-in modules that only some nodes need (https for the peer
// listener, child_process for containers, zlib for image layers, crypto for
// certificates and ids), loaded on first use. A static import would load them when edged starts: in the one
// bundle file every static import of a built-in runs at start, and together
// they cost an idle, not-yet-joined board several MiB.
import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);

export function lazyBuiltin<T>(name: 'node:https' | 'node:child_process' | 'node:zlib' | 'node:crypto' | 'node:dgram'): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireBuiltin(name) as T);
}

/** node:crypto, loaded on first use (an idle agent that has not joined needs none of it). */
export const nodeCrypto = lazyBuiltin<typeof import('node:crypto')>('node:crypto');

/** node:dgram, for gossip probes once a node is in a cluster. */
export const nodeDgram = lazyBuiltin<typeof import('node:dgram')>('node:dgram');
