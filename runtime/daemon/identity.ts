// Who this node is in its cluster, kept next to its credentials so that a
// reboot (or kill -9) rejoins with the same id and certificate.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-file.js';
import { EdgeError } from '../common/errors.js';

export interface NodeIdentity {
  nodeId: string;
  clusterId: string;
  role: 'manager' | 'worker';
  /** Raft member id when a manager, else 0. */
  raftId: number;
  /** host:port this node advertises to others. */
  addr: string;
}

const fileName = 'node.json';
const identityBytesMax = 4096;

export function identityPath(dataDir: string): string {
  return join(dataDir, fileName);
}

export function loadIdentity(dataDir: string): NodeIdentity | undefined {
  const path = identityPath(dataDir);
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  let parsed: Partial<NodeIdentity>;
  try {
    if (text.length > identityBytesMax) throw new Error('file too large');
    parsed = JSON.parse(text) as Partial<NodeIdentity>;
  } catch (error) {
    throw new EdgeError('EDGE_DAEMON_IDENTITY_CORRUPT', `${path} cannot be read (${(error as Error).message}): restore it from a backup, or remove the data dir and join again`);
  }
  const valid =
    typeof parsed.nodeId === 'string' &&
    typeof parsed.clusterId === 'string' &&
    (parsed.role === 'manager' || parsed.role === 'worker') &&
    typeof parsed.raftId === 'number' &&
    typeof parsed.addr === 'string';
  if (!valid) throw new EdgeError('EDGE_DAEMON_IDENTITY_CORRUPT', `${path} is missing fields: restore it from a backup, or remove the data dir and join again`);
  return parsed as NodeIdentity;
}

export async function saveIdentity(dataDir: string, identity: NodeIdentity): Promise<void> {
  await writeFileAtomic(identityPath(dataDir), `${JSON.stringify(identity, null, 2)}\n`, { mode: 0o600 });
}
