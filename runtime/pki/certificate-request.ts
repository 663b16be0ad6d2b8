/**
 * Certificate signing requests (PKCS#10). The joiner makes one to prove it
 * holds its private key and to say where it can be reached (hostname and
 * addresses, which become the certificate's SAN). The CA reads one back and
 * keeps only those two things: node id, role and cluster come from the join
 * token the manager accepted, not from anything the joiner wrote.
 */
import { isIP } from 'node:net';
import { PkiError } from './errors.js';
import { generateKeyPair, privateKeyToPem, type WebCryptoKeyPair } from './key-pair.js';
import { CERT_BYTES_MAX, DNS_NAME_CHARS_MAX, SAN_ENTRIES_MAX, SIGNING_ALGORITHM } from './policy.js';
import { loadX509Library } from './x509-library.js';

/** Where a node can be reached; becomes the certificate's subject alternative name. */
export interface NodeAddresses {
  /** The board's hostname, e.g. "pi-kitchen" or "pi-kitchen.local". */
  hostname?: string;
  /** IPv4/IPv6 addresses other nodes dial. */
  addresses?: readonly string[];
}

export interface ReadCertificateRequest {
  /** DER SubjectPublicKeyInfo of the key the request proved possession of. */
  publicKeySpki: ArrayBuffer;
  dnsNames: string[];
  ipAddresses: string[];
}

const SAN_OID = '2.5.29.17';
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function isValidDnsName(name: string): boolean {
  return name.length >= 1 && name.length <= DNS_NAME_CHARS_MAX && name.split('.').every((label) => LABEL.test(label));
}

/** Refuses SAN content a CA should not sign; returns the names split by kind. */
export function validateAddresses(request: NodeAddresses): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = request.hostname === undefined ? [] : [request.hostname];
  const ipAddresses = [...(request.addresses ?? [])];
  if (dnsNames.length + ipAddresses.length > SAN_ENTRIES_MAX) {
    throw csrError(`it names ${dnsNames.length + ipAddresses.length} hosts and addresses, more than ${SAN_ENTRIES_MAX}`, 'san-count');
  }
  for (const name of dnsNames) {
    if (!isValidDnsName(name)) throw csrError(`the hostname ${JSON.stringify(name)} is not a valid DNS name`, 'san-dns');
  }
  for (const address of ipAddresses) {
    if (isIP(address) === 0) throw csrError(`${JSON.stringify(address)} is not an IPv4 or IPv6 address`, 'san-ip');
  }
  return { dnsNames, ipAddresses };
}

/** Builds a CSR signed by `keys`, carrying the node's hostname and addresses. */
export async function createCertificateRequest(keys: WebCryptoKeyPair, where: NodeAddresses): Promise<string> {
  const { dnsNames, ipAddresses } = validateAddresses(where);
  const x509 = await loadX509Library();
  const names = [...dnsNames.map((value) => ({ type: 'dns' as const, value })), ...ipAddresses.map((value) => ({ type: 'ip' as const, value }))];
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    // Informational only: the CA writes the real subject.
    name: [{ CN: [dnsNames[0] ?? 'edgectl-node'] }],
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : [],
  });
  return request.toString('pem');
}

/** What a joining node makes: a new private key (PEM, to keep) and the CSR (to send). */
export async function createNodeKeyAndRequest(where: NodeAddresses): Promise<{ keyPem: string; csrPem: string }> {
  const keys = await generateKeyPair();
  const csrPem = await createCertificateRequest(keys, where);
  return { keyPem: await privateKeyToPem(keys.privateKey), csrPem };
}

/**
 * Parses and checks a CSR on the CA side: size, signature (proof the sender
 * holds the private key), key type P-256, and SAN content.
 */
export async function readCertificateRequest(csrPem: string): Promise<ReadCertificateRequest> {
  if (csrPem.length > CERT_BYTES_MAX) throw csrError(`it is ${csrPem.length} bytes, more than ${CERT_BYTES_MAX}`, 'too-large');
  const x509 = await loadX509Library();
  let request: InstanceType<typeof x509.Pkcs10CertificateRequest>;
  try {
    request = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (error) {
    throw csrError(`it cannot be parsed (${(error as Error).message})`, 'parse', error);
  }
  const algorithm = request.publicKey.algorithm as { name?: string; namedCurve?: string };
  if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== SIGNING_ALGORITHM.namedCurve) {
    throw csrError(`its key is ${algorithm.name ?? '?'} ${algorithm.namedCurve ?? ''}, only ECDSA ${SIGNING_ALGORITHM.namedCurve} is accepted`, 'key-type');
  }
  if (!(await request.verify())) throw csrError('its signature does not match its public key (corrupted or forged)', 'signature');
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const extension of request.extensions) {
    if (extension.type !== SAN_OID) continue;
    const san = new x509.SubjectAlternativeNameExtension(extension.rawData);
    for (const name of san.names.items) {
      if (name.type === 'dns') dnsNames.push(name.value);
      else if (name.type === 'ip') ipAddresses.push(name.value);
      else throw csrError(`its SAN holds a ${name.type} name; only DNS names and IP addresses are accepted`, 'san-type');
    }
  }
  if (dnsNames.length > 1) throw csrError(`it names ${dnsNames.length} hostnames; a node has one`, 'san-dns');
  validateAddresses({ hostname: dnsNames[0], addresses: ipAddresses });
  return { publicKeySpki: request.publicKey.rawData, dnsNames, ipAddresses };
}

function csrError(detail: string, reason: string, cause?: unknown): PkiError {
  return new PkiError('EDGE_PKI_CSR_INVALID', `the certificate request was refused: ${detail}; the joining node must send a fresh CSR made by edgectl`, {
    reason,
    cause,
  });
}
