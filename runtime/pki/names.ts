/**
 * Who a certificate names: node id (CN), role (OU) and cluster id (O). The CA
 * writes these from what the manager decided, never from the CSR; verifiers
 * read them back from node:crypto's subject text. Ids are restricted to a
 * small character set so that reading them back is unambiguous (no escaping,
 * no multi-valued names).
 */
import { PkiError } from './errors.js';

export type NodeRole = 'manager' | 'worker';

export const NODE_ROLES: readonly NodeRole[] = ['manager', 'worker'];

/** The OU written into certificates for each role. */
export const ROLE_ORGANIZATIONAL_UNIT: Readonly<Record<NodeRole, string>> = {
  manager: 'edge-manager',
  worker: 'edge-worker',
};

/** Characters of a node id or cluster id. 64 is the X.520 upper bound for CN. */
export const ID_CHARS_MAX = 64;

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function isValidId(value: string): boolean {
  return value.length >= 1 && value.length <= ID_CHARS_MAX && ID_PATTERN.test(value);
}

/** Refuses an id that could not be read back unambiguously from a certificate. */
export function validateId(value: string, what: 'node id' | 'cluster id'): string {
  if (!isValidId(value)) {
    throw new PkiError(
      'EDGE_PKI_NAME_INVALID',
      `the ${what} ${JSON.stringify(value)} is not usable in a certificate: use 1 to ${ID_CHARS_MAX} characters from A-Z a-z 0-9 . _ - starting with a letter or digit`,
      { reason: what === 'node id' ? 'node-id' : 'cluster-id' },
    );
  }
  return value;
}

export function roleFromOrganizationalUnit(unit: string): NodeRole | undefined {
  return NODE_ROLES.find((role) => ROLE_ORGANIZATIONAL_UNIT[role] === unit);
}

export interface SubjectIdentity {
  nodeId: string;
  role: NodeRole;
  clusterId: string;
}

/**
 * Reads CN, OU and O from node:crypto's subject text ("CN=a\nOU=b\nO=c").
 * Each must appear exactly once and hold a valid value; anything else means
 * the certificate was not made by an edgectl CA.
 */
export function subjectIdentity(subject: string): SubjectIdentity {
  const fields = new Map<string, string[]>();
  for (const line of subject.split('\n')) {
    const separator = line.indexOf('=');
    if (separator <= 0) throw identityError(`unexpected subject line ${JSON.stringify(line)}`);
    const key = line.slice(0, separator);
    fields.set(key, [...(fields.get(key) ?? []), line.slice(separator + 1)]);
  }
  const nodeId = single(fields, 'CN');
  const unit = single(fields, 'OU');
  const clusterId = single(fields, 'O');
  const role = roleFromOrganizationalUnit(unit);
  if (role === undefined) {
    throw identityError(`OU is ${JSON.stringify(unit)}, not ${Object.values(ROLE_ORGANIZATIONAL_UNIT).join(' or ')}`);
  }
  if (!isValidId(nodeId)) throw identityError(`CN ${JSON.stringify(nodeId)} is not a node id`);
  if (!isValidId(clusterId)) throw identityError(`O ${JSON.stringify(clusterId)} is not a cluster id`);
  return { nodeId, role, clusterId };
}

function single(fields: Map<string, string[]>, key: string): string {
  const values = fields.get(key) ?? [];
  const value = values[0];
  if (values.length !== 1 || value === undefined) {
    throw identityError(`the subject has ${values.length} ${key} values, expected exactly one`);
  }
  return value;
}

function identityError(detail: string): PkiError {
  return new PkiError(
    'EDGE_PKI_CERT_IDENTITY_INVALID',
    `the certificate does not name an edgectl node (${detail}): it was not issued by an edgectl CA; re-join the node to get a proper certificate`,
  );
}
