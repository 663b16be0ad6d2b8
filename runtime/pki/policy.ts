/**
 * The numbers and names the PKI is built on. Each one says what it is, its
 * unit, and why it has the value it has.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Lifetime of a node certificate. 90 days, as Swarm and Let's Encrypt use:
 * short enough that a stolen board's key stops working on its own, long
 * enough that a board switched off for a month still rejoins.
 */
export const NODE_CERT_VALIDITY_MS_DEFAULT = 90 * DAY_MS;

/** Lifetime of a root CA. Rotation is explicit, so this only has to outlive the fleet's hardware. */
export const ROOT_CA_VALIDITY_MS_DEFAULT = 20 * 365 * DAY_MS;

/**
 * How far before "now" a certificate's notBefore is put. Boards that just got
 * time from NTP can lag the manager by seconds to minutes; a certificate that
 * is "not yet valid" on its own peer for five minutes would be a needless
 * outage after every renewal.
 */
export const NOT_BEFORE_BACKDATE_MS = 5 * 60 * 1000;

/** Tolerated disagreement between two clocks when checking validity windows. */
export const CLOCK_SKEW_MS_MAX = 5 * 60 * 1000;

/**
 * Renewal starts at a random point in this fraction of a certificate's life,
 * so a fleet issued together does not renew together (and a manager is not
 * asked for 500 signatures in the same second).
 */
export const RENEWAL_LIFE_FRACTION_MIN = 0.5;
export const RENEWAL_LIFE_FRACTION_MAX = 0.8;

/**
 * No correct clock reads earlier than this: the code was written after it.
 * A board without a real-time clock boots in 1970; that is how we notice.
 * Raise it at each release (the bundler may define it at build time).
 */
export const CLOCK_FLOOR_MS = Date.UTC(2026, 10, 1);

/** Certificates a peer may present: leaf, one cross-signed root during rotation, and slack for one more. */
export const PEER_CHAIN_CERTS_MAX = 4;

/** Bytes of one PEM or DER certificate or CSR we agree to parse. Ours are under 1 KiB. */
export const CERT_BYTES_MAX = 16 * 1024;

/** Entries in the subject alternative name of a CSR: a hostname plus a board's addresses. */
export const SAN_ENTRIES_MAX = 32;

/** Characters of a DNS name in a SAN (RFC 1035's limit). */
export const DNS_NAME_CHARS_MAX = 253;

/** Extended key usage OIDs (RFC 5280, 4.2.1.12). */
export const EKU_SERVER_AUTH_OID = '1.3.6.1.5.5.7.3.1';
export const EKU_CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

/** ECDSA over P-256 with SHA-256: small keys and signatures, fast on a Pi, TLS 1.3's baseline. */
export const SIGNING_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
