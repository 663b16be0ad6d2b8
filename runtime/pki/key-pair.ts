/**
 * ECDSA P-256 key pairs through Node's WebCrypto: generation is native and
 * takes about a millisecond, where pure-JS RSA takes seconds on a Pi.
 * Private keys leave memory only as PKCS#8 PEM, which node:tls reads as is.
 */
import type { webcrypto } from 'node:crypto';
import { nodeCrypto } from '../common/builtin.js';
import { PkiError } from './errors.js';
import { derToPem, pemBlocks } from './pem.js';
import { SIGNING_ALGORITHM } from './policy.js';

export type WebCryptoKey = webcrypto.CryptoKey;
export interface WebCryptoKeyPair {
  publicKey: WebCryptoKey;
  privateKey: WebCryptoKey;
}

const KEY_ALGORITHM = { name: SIGNING_ALGORITHM.name, namedCurve: SIGNING_ALGORITHM.namedCurve };

/** A fresh P-256 key pair. Extractable, because it must be saved to disk. */
export async function generateKeyPair(): Promise<WebCryptoKeyPair> {
  return (await nodeCrypto().webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as WebCryptoKeyPair;
}

export async function privateKeyToPem(key: WebCryptoKey): Promise<string> {
  return derToPem(new Uint8Array(await nodeCrypto().webcrypto.subtle.exportKey('pkcs8', key)), 'PRIVATE KEY');
}

/**
 * Reads a PKCS#8 PEM P-256 private key back into a WebCrypto key pair (the
 * public half is derived from it). Used by a manager to load its CA key.
 */
export async function keyPairFromPem(privateKeyPem: string): Promise<WebCryptoKeyPair> {
  const der = pemBlocks(privateKeyPem, 'PRIVATE KEY')[0];
  if (der === undefined) {
    throw new PkiError('EDGE_PKI_CREDENTIALS_CORRUPT', 'the private key is not a PKCS#8 PEM "PRIVATE KEY" block: restore it from backup or re-create it', {
      reason: 'key-pem',
    });
  }
  try {
    const privateKey = await nodeCrypto().webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, true, ['sign']);
    const spki = nodeCrypto().createPublicKey(nodeCrypto().createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' });
    const publicKey = await nodeCrypto().webcrypto.subtle.importKey('spki', spki, KEY_ALGORITHM, true, ['verify']);
    return { privateKey, publicKey };
  } catch (error) {
    throw new PkiError('EDGE_PKI_CREDENTIALS_CORRUPT', `the private key cannot be read as ECDSA P-256 (${(error as Error).message}): restore it from backup or re-create it`, {
      cause: error,
      reason: 'key-type',
    });
  }
}

