/**
 * The cluster's root certificate authority: a self-signed ECDSA P-256
 * certificate whose O is the cluster id, and the key that signs every node
 * certificate. The first manager creates it at `swarm init`.
 *
 * The CA decides who a node is. issueNodeCertificate() takes the node id and
 * role from the manager (which derived them from the join token it accepted)
 * and uses the CSR only for the public key and the SAN.
 */
import type { X509Certificate } from 'node:crypto';
import { nodeCrypto } from '../common/builtin.js';
import type { Extension } from '@peculiar/x509';
import { assert } from '../common/assert.js';
import type { Clock } from '../common/clock.js';
import { PkiError } from './errors.js';
import { generateKeyPair, keyPairFromPem, privateKeyToPem, type WebCryptoKeyPair } from './key-pair.js';
import { NODE_ROLES, ROLE_ORGANIZATIONAL_UNIT, validateId, type NodeRole } from './names.js';
import { certificateSha256Hex, toCertificate, type CertificateInput } from './pem.js';
import { certificateValidity } from './peer-identity.js';
import {
  CLOCK_FLOOR_MS,
  EKU_CLIENT_AUTH_OID,
  EKU_SERVER_AUTH_OID,
  NODE_CERT_VALIDITY_MS_DEFAULT,
  NOT_BEFORE_BACKDATE_MS,
  ROOT_CA_VALIDITY_MS_DEFAULT,
  SIGNING_ALGORITHM,
} from './policy.js';
import { readCertificateRequest } from './certificate-request.js';
import { TrustedTime } from './trusted-time.js';
import { loadX509Library } from './x509-library.js';

export interface CreateRootOptions {
  clusterId: string;
  /** Must read real time: certificates are dated from it. A TrustedTime may be passed (cluster time counts). */
  clock: Clock;
  /** Root lifetime in ms. Default ROOT_CA_VALIDITY_MS_DEFAULT (20 years). */
  validityMs?: number;
  /** 1 for the first root, one more at each rotation; shown in the CN so people can tell roots apart. */
  generation?: number;
}

export interface IssueNodeCertificateRequest {
  /** PEM CSR from the joining node: proves key possession, carries hostname and addresses. */
  csrPem: string;
  /** Chosen by the manager, never read from the CSR. */
  nodeId: string;
  /** From the join token the node used (or a promote/demote), never from the CSR. */
  role: NodeRole;
  /** Certificate lifetime in ms. Default NODE_CERT_VALIDITY_MS_DEFAULT (90 days). */
  validityMs?: number;
}

const ROOT_COMMON_NAME_PREFIX = 'edgectl root CA g';

/** A root's generation, read from its CN ("edgectl root CA g2" → 2); 1 for a root that names none. */
export function rootGeneration(root: X509Certificate): number {
  const commonName = root.subject.split('\n').find((line) => line.startsWith('CN='))?.slice(3) ?? '';
  if (!commonName.startsWith(ROOT_COMMON_NAME_PREFIX)) return 1;
  return Number(commonName.slice(ROOT_COMMON_NAME_PREFIX.length)) || 1;
}

export class CertificateAuthority {
  /** The root certificate, parsed by node:crypto. */
  readonly certificate: X509Certificate;
  readonly clusterId: string;
  readonly generation: number;

  private constructor(
    certificate: X509Certificate,
    private readonly keys: WebCryptoKeyPair,
    private readonly clock: Clock,
  ) {
    this.certificate = certificate;
    const subject = certificate.subject.split('\n');
    const organization = subject.find((line) => line.startsWith('O='))?.slice(2) ?? '';
    this.clusterId = validateId(organization, 'cluster id');
    this.generation = rootGeneration(certificate);
  }

  /** Creates a new self-signed root for `clusterId`. */
  static async create(options: CreateRootOptions): Promise<CertificateAuthority> {
    validateId(options.clusterId, 'cluster id');
    const nowMs = requirePlausibleClock(options.clock);
    const generation = options.generation ?? 1;
    const x509 = await loadX509Library();
    const keys = await generateKeyPair();
    const root = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerialHex(),
      name: [{ CN: [`${ROOT_COMMON_NAME_PREFIX}${generation}`] }, { O: [options.clusterId] }],
      notBefore: new Date(nowMs - NOT_BEFORE_BACKDATE_MS),
      notAfter: new Date(nowMs + (options.validityMs ?? ROOT_CA_VALIDITY_MS_DEFAULT)),
      keys,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        // pathLength 1 leaves room for exactly one intermediate: the next root, cross-signed during rotation.
        new x509.BasicConstraintsExtension(true, 1, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new CertificateAuthority(new (nodeCrypto().X509Certificate)(root.toString('pem')), keys, options.clock);
  }

  /** Loads a root saved with certPem and exportKeyPem(); refuses a key that is not the certificate's. */
  static async fromPem(saved: { certPem: string; keyPem: string }, clock: Clock): Promise<CertificateAuthority> {
    const certificate = toCertificate(saved.certPem, 'root CA certificate');
    const keys = await keyPairFromPem(saved.keyPem);
    if (!certificate.ca || !certificate.checkPrivateKey(nodeCrypto().createPrivateKey(saved.keyPem))) {
      throw new PkiError('EDGE_PKI_CREDENTIALS_CORRUPT', 'the saved root CA key does not belong to the saved root CA certificate (or it is not a CA): restore both from the same backup', {
        reason: 'ca-key-mismatch',
      });
    }
    return new CertificateAuthority(certificate, keys, clock);
  }

  get certPem(): string {
    return this.certificate.toString();
  }

  /** SHA-256 of the root's DER, hex: the value join tokens pin. */
  get digestHex(): string {
    return certificateSha256Hex(this.certificate);
  }

  exportKeyPem(): Promise<string> {
    return privateKeyToPem(this.keys.privateKey);
  }

  /** Signs a node certificate; see IssueNodeCertificateRequest for where each field comes from. */
  async issueNodeCertificate(request: IssueNodeCertificateRequest): Promise<string> {
    validateId(request.nodeId, 'node id');
    assert(NODE_ROLES.includes(request.role), `issueNodeCertificate: unknown role ${String(request.role)}`);
    const nowMs = requirePlausibleClock(this.clock);
    const csr = await readCertificateRequest(request.csrPem);
    const x509 = await loadX509Library();
    const names = [...csr.dnsNames.map((value) => ({ type: 'dns' as const, value })), ...csr.ipAddresses.map((value) => ({ type: 'ip' as const, value }))];
    const extensions: Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([EKU_SERVER_AUTH_OID, EKU_CLIENT_AUTH_OID]),
      await x509.SubjectKeyIdentifierExtension.create(csr.publicKeySpki),
      await x509.AuthorityKeyIdentifierExtension.create(this.keys.publicKey),
    ];
    if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerialHex(),
      subject: [{ CN: [request.nodeId] }, { OU: [ROLE_ORGANIZATIONAL_UNIT[request.role]] }, { O: [this.clusterId] }],
      issuer: new x509.X509Certificate(this.certificate.raw).subjectName,
      ...this.validityFrom(nowMs, request.validityMs ?? NODE_CERT_VALIDITY_MS_DEFAULT),
      publicKey: csr.publicKeySpki,
      signingKey: this.keys.privateKey,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions,
    });
    return certificate.toString('pem');
  }

  /**
   * Signs `otherRoot`'s name and key with this root: the bridge of a root
   * rotation. A node that still trusts only this (old) root accepts leaves
   * of the new root when the peer presents this certificate after its leaf.
   * Same subject and key identifier as the other root, so chain building
   * matches it; pathLength 0 so it can only sign leaves.
   */
  async crossSign(otherRoot: CertificateInput): Promise<string> {
    const nowMs = requirePlausibleClock(this.clock);
    const other = toCertificate(otherRoot, 'root to cross-sign');
    if (!other.ca) throw new PkiError('EDGE_PKI_CERT_PURPOSE', 'only a CA certificate can be cross-signed as a root', { reason: 'not-a-ca' });
    const x509 = await loadX509Library();
    const parsed = new x509.X509Certificate(other.raw);
    const subjectKeyId = parsed.extensions.find((extension) => extension.type === '2.5.29.14');
    const extensions: Extension[] = [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.AuthorityKeyIdentifierExtension.create(this.keys.publicKey),
    ];
    if (subjectKeyId !== undefined) extensions.push(subjectKeyId);
    const lifetimeMs = Math.min(certificateValidity(other).notAfterMs, certificateValidity(this.certificate).notAfterMs) - nowMs;
    const crossSigned = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerialHex(),
      subject: parsed.subjectName,
      issuer: new x509.X509Certificate(this.certificate.raw).subjectName,
      ...this.validityFrom(nowMs, lifetimeMs),
      publicKey: parsed.publicKey,
      signingKey: this.keys.privateKey,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions,
    });
    return crossSigned.toString('pem');
  }

  /** A window starting slightly in the past, never outliving this root. */
  private validityFrom(nowMs: number, lifetimeMs: number): { notBefore: Date; notAfter: Date } {
    const rootNotAfterMs = certificateValidity(this.certificate).notAfterMs;
    return { notBefore: new Date(nowMs - NOT_BEFORE_BACKDATE_MS), notAfter: new Date(Math.min(nowMs + lifetimeMs, rootNotAfterMs)) };
  }
}

/**
 * A CA dating certificates from 1970 would mint ones that are already expired
 * everywhere else; refuse until the clock is set (NTP or cluster time).
 */
function requirePlausibleClock(clock: Clock): number {
  const nowMs = clock.nowMs();
  // A TrustedTime without local or cluster time answers with its floor, a lower bound, not a time to date certificates from.
  const onlyFloor = clock instanceof TrustedTime && clock.reading().source === 'floor';
  if (nowMs < CLOCK_FLOOR_MS || onlyFloor) {
    throw new PkiError(
      'EDGE_PKI_CLOCK_IMPLAUSIBLE',
      `this manager's clock reads ${new Date(nowMs).toISOString()}, before ${new Date(CLOCK_FLOOR_MS).toISOString()}: set the time (NTP) before issuing certificates`,
      { retryable: true },
    );
  }
  return nowMs;
}

/** 16 random bytes, first byte in 0x01..0x7f so the DER INTEGER is positive and minimal. */
function randomSerialHex(): string {
  const bytes = nodeCrypto().randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}
