/**
 * The PKI's public surface. Importing this file loads node:crypto only;
 * @peculiar/x509 is loaded on first use of a function that builds a CSR or a
 * certificate (see x509-library.ts).
 */
export { PkiError, isPkiError, PKI_ERROR_CODES, type PkiErrorCode } from './errors.js';
export { CertificateAuthority, type CreateRootOptions, type IssueNodeCertificateRequest } from './certificate-authority.js';
export {
  createCertificateRequest,
  createNodeKeyAndRequest,
  readCertificateRequest,
  type NodeAddresses,
  type ReadCertificateRequest,
} from './certificate-request.js';
export { generateKeyPair, privateKeyToPem, keyPairFromPem, type WebCryptoKeyPair } from './key-pair.js';
export { NODE_ROLES, ROLE_ORGANIZATIONAL_UNIT, type NodeRole } from './names.js';
export { certificateSha256Hex, certificatesFromPem, toCertificate, type CertificateInput } from './pem.js';
export { identityFromCertificate, certificateValidity, type PeerIdentity, type ValidityWindow } from './peer-identity.js';
export { verifyPeerChain, type PeerVerifyOptions } from './peer-verifier.js';
export { verifyTlsPeer, peerChainFromSocket, tlsOptions, type TlsCredentials } from './tls-peer.js';
export { TrustBundle, type TrustedRoot } from './trust-bundle.js';
export { TrustedTime, type TimeReading, type TimeSource, type TrustedTimeOptions } from './trusted-time.js';
export {
  parseJoinToken,
  formatJoinToken,
  caMatchesToken,
  trustFromJoinToken,
  generateJoinTokenSecret,
  type JoinToken,
} from './join-token.js';
export { JoinTokenRegistry, type JoinTokenRecord, type JoinTokenRegistryState } from './join-token-registry.js';
export { renewalAtMs } from './renewal.js';
export { beginRootRotation, chainToPresent, finishRootRotation, type RootRotation } from './root-rotation.js';
export { NodeCredentialsStore, type NodeCredentials } from './credentials-store.js';
export * as pkiPolicy from './policy.js';
