// Joining a cluster from a token: find a manager (given, or over mDNS), check
// that it holds the CA the token pins before sending anything secret, send a
// certificate request with the token, and keep what comes back.
import { nodeCrypto } from '../common/builtin.js';
import { EdgeError } from '../common/errors.js';
import { createNodeKeyAndRequest } from '../pki/certificate-request.js';
import { NodeCredentialsStore, type NodeCredentials } from '../pki/credentials-store.js';
import { parseJoinToken, trustFromJoinToken } from '../pki/join-token.js';
import { verifyPeerChain } from '../pki/peer-verifier.js';
import { MessagePolicy } from '../transport/authorization.js';
import { Router } from '../transport/link.js';
import { dialLink } from '../transport/tls-client.js';
import type { ManagerAddress } from '../wire/messages/cluster.js';
import type { NodeContext } from './context.js';
import { saveIdentity, type NodeIdentity } from './identity.js';
import { credentialsFromAnswer } from './credentials-follower.js';

export interface JoinOutcome {
  identity: NodeIdentity;
  credentials: NodeCredentials;
  managers: ManagerAddress[];
  /** The manager that admitted this node. */
  manager: string;
}

interface JoinAnswer {
  nodeId: string;
  clusterId: string;
  role: 'manager' | 'worker';
  certPem: string;
  caPem: string;
  /** What to present after the certificate; absent from managers that predate root rotation. */
  chainPem?: string;
  raftId: number;
  managers: ManagerAddress[];
  clusterTimeMs: number;
}

/** Finds manager addresses for a CA digest (mDNS); empty when none answered in time. */
export type ManagerFinder = (caDigestHex: string, timeoutMs: number) => Promise<string[]>;

export const defaultManagerPort = 4270;

/** "10.0.0.5" → "10.0.0.5:4270"; "10.0.0.5:4300" as is. */
export function managerAddress(text: string): string {
  const trimmed = text.trim();
  if (/^\[?[0-9a-fA-F:.]+\]?:\d{1,5}$/.test(trimmed) && !/^[0-9a-fA-F:]+$/.test(trimmed)) return trimmed;
  if (/^[0-9.]+$/.test(trimmed)) return `${trimmed}:${defaultManagerPort}`;
  if (/^[0-9a-fA-F:]+$/.test(trimmed)) return `[${trimmed}]:${defaultManagerPort}`;
  throw new EdgeError('EDGE_JOIN_BAD_ADDRESS', `"${text}" is not a manager address: give IP or IP:PORT`);
}

async function joinThrough(context: NodeContext, address: string, token: string): Promise<JoinOutcome> {
  const policy = new MessagePolicy();
  const link = await dialLink({
    address,
    tls: undefined,
    join: true,
    connectTimeoutMs: 5000,
    codec: context.codec,
    policy,
    router: new Router(),
    verifyPeer: (chain) => {
      const root = chain[chain.length - 1];
      if (!root || chain.length < 2) throw new EdgeError('EDGE_JOIN_NO_CA', `the manager at ${address} did not present its CA certificate: is it an edgectl manager?`);
      // Throws EDGE_PKI_CA_MISMATCH naming both digests when the token pins another CA.
      const trust = trustFromJoinToken(root, token, address);
      const identity = verifyPeerChain(chain, { trust, time: context.time, peerTlsRole: 'server' });
      if (identity.role !== 'manager') throw new EdgeError('EDGE_JOIN_NOT_A_MANAGER', `${address} is a worker; join through a manager`);
      return { nodeId: identity.nodeId, role: identity.role, clusterId: identity.clusterId, serial: identity.serial };
    },
  });
  try {
    const host = context.advertiseAddr.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const { keyPem, csrPem } = await createNodeKeyAndRequest({ hostname: context.platform.hostname, addresses: [host] });
    const answer = (await link.request(
      'cluster.join',
      {
        token,
        csrPem,
        hostname: context.platform.hostname,
        addr: context.advertiseAddr,
        labels: { ...context.config.labels, ...context.platform.labels },
        platform: { os: context.platform.os, arch: context.platform.arch },
        board: context.platform.board,
        memoryBytes: context.platform.memoryBytes,
        allocatableBytes: context.platform.allocatableBytes,
        cores: context.platform.cores,
      },
      { timeoutMs: 20_000 },
    )) as JoinAnswer;
    context.time.learnClusterTime(answer.clusterTimeMs, link.rttMs || 0);
    const leaf = new (nodeCrypto().X509Certificate)(answer.certPem);
    if (!leaf.checkPrivateKey(nodeCrypto().createPrivateKey(keyPem))) {
      throw new EdgeError('EDGE_JOIN_BAD_CERTIFICATE', `the manager at ${address} returned a certificate for another key: report this`);
    }
    const credentials = credentialsFromAnswer(keyPem, answer);
    await new NodeCredentialsStore(context.config.dataDir).save(credentials);
    const identity: NodeIdentity = { nodeId: answer.nodeId, clusterId: answer.clusterId, role: answer.role, raftId: answer.raftId, addr: context.advertiseAddr };
    await saveIdentity(context.config.dataDir, identity);
    return { identity, credentials, managers: answer.managers, manager: address };
  } finally {
    link.close('joined');
  }
}

/**
 * Joins through `manager`, or through any manager mDNS finds for the token's
 * CA. Errors that another manager would not fix (a wrong token, a CA
 * mismatch) end the attempt at once.
 */
export async function joinCluster(options: { context: NodeContext; token: string; manager?: string; finder?: ManagerFinder; timeoutMs: number }): Promise<JoinOutcome> {
  const parsed = parseJoinToken(options.token);
  let candidates: string[];
  if (options.manager) {
    candidates = [managerAddress(options.manager)];
  } else {
    if (!options.finder) throw new EdgeError('EDGE_JOIN_NO_MANAGER', 'no manager address given and discovery is not available: pass the manager address');
    options.context.log('looking for managers of this cluster on the LAN (mDNS)…');
    candidates = await options.finder(parsed.caDigestHex, options.timeoutMs);
    if (candidates.length === 0) {
      throw new EdgeError('EDGE_JOIN_NO_MANAGER', `no manager of this cluster answered on the LAN within ${options.timeoutMs} ms: check the boards share a network, or pass a manager address (managers advertise their current root: a token from before a root CA rotation finds none)`, { retryable: true });
    }
  }
  let lastError: Error | undefined;
  for (const candidate of candidates) {
    try {
      return await joinThrough(options.context, candidate, options.token);
    } catch (error) {
      lastError = error as Error;
      const code = (error as EdgeError).code ?? '';
      options.context.log(`join through ${candidate} failed: ${(error as Error).message}`);
      if (code === 'EDGE_PKI_CA_MISMATCH' || code === 'EDGE_PKI_TOKEN_INVALID' || code === 'EDGE_PKI_TOKEN_MALFORMED' || code === 'EDGE_PKI_TOKEN_WRONG_CA') throw error;
    }
  }
  throw lastError ?? new EdgeError('EDGE_JOIN_NO_MANAGER', 'no manager could be reached', { retryable: true });
}
