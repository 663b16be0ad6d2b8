// Shared fixtures for the PKI tests: a CA, node certificates, clocks, and a
// way to craft certificates the CA itself would never issue (for refusals).
import { X509Certificate } from 'node:crypto';
import type { Extension } from '@peculiar/x509';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../runtime/common/clock.js';
import { CertificateAuthority } from '../../runtime/pki/certificate-authority.js';
import { createNodeKeyAndRequest, type NodeAddresses } from '../../runtime/pki/certificate-request.js';
import { generateKeyPair, keyPairFromPem, type WebCryptoKeyPair } from '../../runtime/pki/key-pair.js';
import type { NodeRole } from '../../runtime/pki/names.js';
import { PkiError, isPkiError, type PkiErrorCode } from '../../runtime/pki/errors.js';
import { EKU_CLIENT_AUTH_OID, EKU_SERVER_AUTH_OID, SIGNING_ALGORITHM } from '../../runtime/pki/policy.js';
import { TrustedTime } from '../../runtime/pki/trusted-time.js';
import { loadX509Library } from '../../runtime/pki/x509-library.js';

export const DAY_MS = 24 * 60 * 60 * 1000;
/** A plausible "now" for tests, after the clock floor and independent of the machine's clock. */
export const PLAUSIBLE_MS = Date.UTC(2027, 2, 15, 12, 0, 0);

export async function makeCa(clusterId = 'cluster-a', atMs = PLAUSIBLE_MS): Promise<{ ca: CertificateAuthority; clock: ManualClock }> {
  const clock = new ManualClock(atMs, 1_000);
  return { ca: await CertificateAuthority.create({ clusterId, clock }), clock };
}

export interface IssuedNode {
  keyPem: string;
  certPem: string;
}

export async function issueNode(
  ca: CertificateAuthority,
  options: { nodeId?: string; role?: NodeRole; validityMs?: number } & NodeAddresses = {},
): Promise<IssuedNode> {
  const { keyPem, csrPem } = await createNodeKeyAndRequest({ hostname: options.hostname ?? 'pi-test', addresses: options.addresses ?? ['10.0.0.9'] });
  const certPem = await ca.issueNodeCertificate({ csrPem, nodeId: options.nodeId ?? 'node-1', role: options.role ?? 'worker', validityMs: options.validityMs });
  return { keyPem, certPem };
}

/** A TrustedTime at `atMs`, collecting what it logs. */
export function timeAt(atMs: number): { time: TrustedTime; clock: ManualClock; lines: string[] } {
  const clock = new ManualClock(atMs, 5_000);
  const lines: string[] = [];
  return { time: new TrustedTime({ clock, log: (line) => lines.push(line) }), clock, lines };
}

/**
 * A leaf signed with the CA's key but with fields the CA would never write
 * (for example an EKU without clientAuth). Subject defaults to a valid node.
 */
export async function craftLeaf(
  ca: CertificateAuthority,
  options: {
    ekus?: string[];
    subject?: Record<string, string[]>[];
    notBeforeMs?: number;
    notAfterMs?: number;
    /** KeyUsageFlags bits; default digitalSignature. */
    keyUsages?: number;
    keys?: WebCryptoKeyPair;
  } = {},
): Promise<string> {
  const x509 = await loadX509Library();
  const caKeys = await keyPairFromPem(await ca.exportKeyPem());
  const leafKeys = options.keys ?? (await generateKeyPair());
  const extensions: Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(options.keyUsages ?? x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(options.ekus ?? [EKU_SERVER_AUTH_OID, EKU_CLIENT_AUTH_OID]),
    await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
  ];
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: '0102030405',
    subject: options.subject ?? [{ CN: ['node-crafted'] }, { OU: ['edge-worker'] }, { O: [ca.clusterId] }],
    issuer: new x509.X509Certificate(ca.certificate.raw).subjectName,
    notBefore: new Date(options.notBeforeMs ?? PLAUSIBLE_MS - DAY_MS),
    notAfter: new Date(options.notAfterMs ?? PLAUSIBLE_MS + 30 * DAY_MS),
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions,
  });
  return certificate.toString('pem');
}

/** Replaces the first occurrence of `from` (ASCII, same length as `to`) inside the certificate's DER. */
export function patchDer(certPem: string, from: string, to: string): Buffer {
  const der = Buffer.from(new X509Certificate(certPem).raw);
  const at = der.indexOf(Buffer.from(from, 'ascii'));
  if (at < 0 || from.length !== to.length) throw new Error(`patchDer: ${from} not found or lengths differ`);
  Buffer.from(to, 'ascii').copy(der, at);
  return der;
}

/** Awaits `promise`, asserts it rejected with a PkiError of `code` (and `reason`), returns the error. */
export async function rejectsWith(promise: Promise<unknown>, code: PkiErrorCode, reason?: string): Promise<PkiError> {
  try {
    await promise;
  } catch (error) {
    return expectPkiError(error, code, reason);
  }
  assert.unreachable(`expected ${code}, but it succeeded`);
  throw new Error('unreachable');
}

/** Runs `action`, asserts it threw a PkiError of `code` (and `reason`), returns the error. */
export function throwsWith(action: () => unknown, code: PkiErrorCode, reason?: string): PkiError {
  try {
    action();
  } catch (error) {
    return expectPkiError(error, code, reason);
  }
  assert.unreachable(`expected ${code}, but it succeeded`);
  throw new Error('unreachable');
}

function expectPkiError(error: unknown, code: PkiErrorCode, reason: string | undefined): PkiError {
  if (!isPkiError(error, code)) assert.unreachable(`expected ${code}, got ${String(error)}`);
  const pkiError = error as PkiError;
  if (reason !== undefined) assert.is(pkiError.reason, reason);
  return pkiError;
}
