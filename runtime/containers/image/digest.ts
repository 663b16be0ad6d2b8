/**
 * Content digests ("sha256:<64 lowercase hex>") and a verifier that hashes
 * bytes as they stream past, so a blob is checked without a second read.
 */
import type { Hash } from 'node:crypto';
import { nodeCrypto } from '../../common/builtin.js';
import { ImageError } from './errors.js';

export type Digest = `sha256:${string}`;

const sha256Pattern = /^sha256:[a-f0-9]{64}$/;
// Other algorithms are well-formed but unsupported; they get their own message.
const anyDigestPattern = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

/** Validates and returns the digest; only sha256 is accepted (as every registry in use today writes). */
export function parseDigest(text: string): Digest {
  if (sha256Pattern.test(text)) return text as Digest;
  if (anyDigestPattern.test(text)) {
    throw new ImageError('EDGE_IMAGE_BAD_DIGEST', `digest "${text}" uses an unsupported algorithm; only sha256 digests are accepted`);
  }
  throw new ImageError('EDGE_IMAGE_BAD_DIGEST', `"${text}" is not a digest; expected "sha256:" followed by 64 lowercase hex digits`);
}

export function digestHex(digest: Digest): string {
  return digest.slice('sha256:'.length);
}

export function sha256Digest(bytes: Uint8Array): Digest {
  return `sha256:${nodeCrypto().createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Hashes bytes as they arrive. `check()` compares against the expected digest
 * and size; a mismatch is EDGE_IMAGE_DIGEST_MISMATCH, never silently kept.
 */
export class DigestVerifier {
  private hash: Hash = nodeCrypto().createHash('sha256');
  private bytesSeen = 0;

  constructor(
    readonly expected: Digest,
    /** Expected size in bytes, when a descriptor told us; undefined when unknown. */
    readonly expectedBytes: number | undefined,
    /** What is being verified, for messages ("layer 2 of docker.io/library/busybox"). */
    readonly what: string,
  ) {}

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytesSeen += chunk.byteLength;
    if (this.expectedBytes !== undefined && this.bytesSeen > this.expectedBytes) {
      throw new ImageError(
        'EDGE_IMAGE_SIZE_MISMATCH',
        `${this.what} (${this.expected}) is larger than the ${this.expectedBytes} bytes its descriptor declares; the source is serving different content: check the registry or the archive`,
      );
    }
  }

  get bytes(): number {
    return this.bytesSeen;
  }

  /** Starts over, for a download that had to restart from byte 0. */
  reset(): void {
    this.hash = nodeCrypto().createHash('sha256');
    this.bytesSeen = 0;
  }

  check(): void {
    if (this.expectedBytes !== undefined && this.bytesSeen !== this.expectedBytes) {
      throw new ImageError(
        'EDGE_IMAGE_SIZE_MISMATCH',
        `${this.what} (${this.expected}) ended after ${this.bytesSeen} bytes but its descriptor declares ${this.expectedBytes}; the download was cut or the source is wrong: retry, or check the registry`,
        { retryable: true },
      );
    }
    const actual = `sha256:${this.hash.digest('hex')}`;
    if (actual !== this.expected) {
      throw new ImageError(
        'EDGE_IMAGE_DIGEST_MISMATCH',
        `${this.what}: expected ${this.expected} but the bytes hash to ${actual}; the content was altered or corrupted in transit or storage, so it was discarded: check the registry or archive`,
      );
    }
  }
}
