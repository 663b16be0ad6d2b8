import { nodeCrypto } from '../common/builtin.js';

/** A node, cluster, service or task id: 80 random bits as 20 hex characters (fits a certificate CN and an mDNS label). */
export function newId(): string {
  return nodeCrypto().randomBytes(10).toString('hex');
}
