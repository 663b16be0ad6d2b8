/**
 * The names discovery puts on the wire and accepts from it: the service type,
 * instance labels, host names, node and cluster ids, and the addresses a peer
 * may be reached at. Everything read from the network goes through these
 * checks before it reaches the cache, so a hostile packet cannot put an
 * unprintable, overlong or unreachable value in front of the daemon.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The DNS-SD service type edgectl advertises (RFC 6763 §7). */
export const SERVICE_TYPE = '_edgectl._tcp.local';

/** The DNS-SD meta-query name that lists service types (RFC 6763 §9). */
export const SERVICE_TYPE_ENUMERATION = '_services._dns-sd._udp.local';

/** A DNS label is at most 63 bytes (RFC 1035 §2.3.4). */
export const LABEL_BYTES_MAX = 63;

/** A domain name in text form is at most 253 characters. */
export const NAME_CHARS_MAX = 253;

/**
 * Instance labels are narrower than DNS-SD allows (no dots, no spaces): an
 * instance is named after a node id, and a label that needs escaping would be
 * read back differently by other mDNS stacks.
 */
const INSTANCE_LABEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

const HOST_LABEL_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Node and cluster ids: the same rule runtime/pki/names.ts applies to certificates. */
export const ID_CHARS_MAX = 64;
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function isValidId(value: string): boolean {
  return value.length >= 1 && value.length <= ID_CHARS_MAX && ID_PATTERN.test(value);
}

export function isValidInstanceLabel(label: string): boolean {
  return INSTANCE_LABEL_PATTERN.test(label);
}

/** `node-1` → `node-1._edgectl._tcp.local`. */
export function instanceFqdn(instanceLabel: string): string {
  return `${instanceLabel}.${SERVICE_TYPE}`;
}

/**
 * The instance label of a full instance name of our service type, or
 * undefined when the name is of another service or its label is not one we
 * would have written.
 */
export function instanceLabelOf(fqdn: string): string | undefined {
  const suffix = `.${SERVICE_TYPE}`;
  if (fqdn.length <= suffix.length || !fqdn.toLowerCase().endsWith(suffix)) return undefined;
  const label = fqdn.slice(0, fqdn.length - suffix.length);
  return isValidInstanceLabel(label) ? label : undefined;
}

/** A host name under `.local`, each label a plain LDH label, compared lowercase. */
export function isValidLocalHostName(name: string): boolean {
  const lower = name.toLowerCase();
  if (lower.length > NAME_CHARS_MAX || !lower.endsWith('.local')) return false;
  const labels = lower.slice(0, -'.local'.length).split('.');
  return labels.length >= 1 && labels.every((label) => HOST_LABEL_PATTERN.test(label));
}

/**
 * The host name an advertiser puts in its SRV record. Prefixed so that it
 * never collides with the board's own `<hostname>.local`, which avahi may
 * answer with a different address set.
 */
export function hostNameFor(instanceLabel: string): string {
  const label = `edgectl-${instanceLabel.toLowerCase().replace(/_/g, '-')}`.slice(0, LABEL_BYTES_MAX).replace(/-+$/, '');
  return `${label}.local`;
}

export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * True for an address another board could connect to: unicast, not
 * loopback, not unspecified, and not IPv6 link-local (which needs a zone
 * index that a DNS record cannot carry).
 */
export function isUsableAddress(address: string): boolean {
  if (isIPv4(address)) {
    const first = Number(address.split('.')[0]);
    return first !== 0 && first !== 127 && first < 224;
  }
  if (isIPv6(address)) {
    const lower = address.toLowerCase();
    if (lower === '::' || lower === '::1') return false;
    if (lower.startsWith('ff')) return false;
    return !/^fe[89ab]/.test(lower);
  }
  return false;
}

export function addressFamily(address: string): 'A' | 'AAAA' {
  return isIPv4(address) ? 'A' : 'AAAA';
}
