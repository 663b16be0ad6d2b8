/**
 * A node's credentials on disk: its private key, its certificate (plus any
 * certificate it presents with it) and the roots it trusts.
 *
 * One file, `<dataDir>/pki/node-credentials.json`, mode 0600, replaced
 * atomically. One file rather than three because renewal changes key and
 * certificate together: with separate files a power cut between two renames
 * leaves a key that does not match its certificate, and a board nobody can
 * reach to fix. The PEM inside is standard; `jq -r .certPem` gets it out.
 *
 * Loading refuses a file that group or others can read: a key that leaked
 * once must be assumed copied.
 */
import { constants, type Stats } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { nodeCrypto } from '../common/builtin.js';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE, writeFileAtomic } from '../common/atomic-file.js';
import { PkiError } from './errors.js';
import { certificatesFromPem } from './pem.js';
import { TrustBundle } from './trust-bundle.js';

export interface NodeCredentials {
  /** PKCS#8 PEM private key. */
  keyPem: string;
  /** The node certificate first, then any certificate presented with it (cross-signed root during rotation). */
  certPem: string;
  /** The roots this node trusts, PEM. */
  caBundlePem: string;
}

/** Larger than any real credentials file (about 3 KiB); bounds what load() reads. */
export const CREDENTIALS_FILE_BYTES_MAX = 64 * 1024;

const FILE_FORMAT_VERSION = 1;
const DIRECTORY_MODE = 0o700;

export class NodeCredentialsStore {
  readonly directory: string;
  readonly path: string;

  constructor(dataDir: string) {
    this.directory = join(dataDir, 'pki');
    this.path = join(this.directory, 'node-credentials.json');
  }

  /** Checks the credentials belong together, then replaces the file atomically (mode 0600). */
  async save(credentials: NodeCredentials): Promise<void> {
    checkConsistent(credentials, 'the credentials to save');
    await mkdir(this.directory, { recursive: true, mode: DIRECTORY_MODE });
    const body = JSON.stringify({ version: FILE_FORMAT_VERSION, ...pick(credentials) }, null, 2);
    await writeFileAtomic(this.path, `${body}\n`, { mode: PRIVATE_FILE_MODE });
  }

  /** Reads and checks the credentials; see the error codes for every refusal. */
  async load(): Promise<NodeCredentials> {
    const text = await this.readPrivateFile();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw this.corrupt(`it is not JSON (${(error as Error).message})`, 'json', error);
    }
    const record = parsed as Partial<Record<keyof NodeCredentials | 'version', unknown>>;
    if (typeof record !== 'object' || record === null || record.version !== FILE_FORMAT_VERSION) {
      throw this.corrupt(`it is not a version ${FILE_FORMAT_VERSION} credentials file`, 'version');
    }
    const { keyPem, certPem, caBundlePem } = record;
    if (typeof keyPem !== 'string' || typeof certPem !== 'string' || typeof caBundlePem !== 'string') {
      throw this.corrupt('keyPem, certPem or caBundlePem is missing', 'fields');
    }
    const credentials = { keyPem, certPem, caBundlePem };
    checkConsistent(credentials, this.path);
    return credentials;
  }

  async exists(): Promise<boolean> {
    try {
      await (await open(this.path, constants.O_RDONLY | constants.O_NOFOLLOW)).close();
      return true;
    } catch {
      return false;
    }
  }

  /** Opens without following symlinks, checks mode and size on the open descriptor (no race with a chmod), reads. */
  private async readPrivateFile(): Promise<string> {
    let handle;
    try {
      handle = await open(this.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        throw new PkiError('EDGE_PKI_CREDENTIALS_MISSING', `no node credentials at ${this.path}: this node has not joined a cluster; run \`edgectl swarm join\` or \`swarm init\``);
      }
      if (code === 'ELOOP') throw this.corrupt('it is a symbolic link; keys must be a regular file', 'symlink', error);
      throw this.corrupt(`it cannot be opened (${(error as Error).message})`, 'open', error);
    }
    try {
      const stats = await handle.stat();
      this.checkFileStats(stats);
      const text = await handle.readFile('utf8');
      if (text.length > CREDENTIALS_FILE_BYTES_MAX) throw this.corrupt(`it grew past ${CREDENTIALS_FILE_BYTES_MAX} bytes while being read`, 'size');
      return text;
    } finally {
      await handle.close();
    }
  }

  private checkFileStats(stats: Stats): void {
    if (!stats.isFile()) throw this.corrupt('it is not a regular file', 'not-file');
    const mode = stats.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new PkiError(
        'EDGE_PKI_KEY_FILE_PERMISSIONS',
        `${this.path} holds a private key and is readable by group or others (mode ${mode.toString(8).padStart(4, '0')}): run \`chmod 600 ${this.path}\`, and if others may have read it, re-join this node to get a new key`,
      );
    }
    if (stats.size > CREDENTIALS_FILE_BYTES_MAX) throw this.corrupt(`it is ${stats.size} bytes, more than ${CREDENTIALS_FILE_BYTES_MAX}`, 'size');
  }

  private corrupt(detail: string, reason: string, cause?: unknown): PkiError {
    return new PkiError('EDGE_PKI_CREDENTIALS_CORRUPT', `the node credentials at ${this.path} are unusable: ${detail}; remove the file and re-join this node`, {
      reason,
      cause,
    });
  }
}

function pick(credentials: NodeCredentials): NodeCredentials {
  return { keyPem: credentials.keyPem, certPem: credentials.certPem, caBundlePem: credentials.caBundlePem };
}

/** The key must be the certificate's, and the bundle must parse as roots. */
function checkConsistent(credentials: NodeCredentials, where: string): void {
  let leaf;
  try {
    leaf = certificatesFromPem(credentials.certPem, 'node certificate')[0]!;
    TrustBundle.fromPem(credentials.caBundlePem);
  } catch (error) {
    throw new PkiError('EDGE_PKI_CREDENTIALS_CORRUPT', `${where}: ${(error as Error).message}; remove it and re-join this node`, {
      reason: 'certificate',
      cause: error,
    });
  }
  let matches = false;
  try {
    matches = leaf.checkPrivateKey(nodeCrypto().createPrivateKey(credentials.keyPem));
  } catch (error) {
    throw new PkiError('EDGE_PKI_CREDENTIALS_CORRUPT', `${where}: the private key cannot be read (${(error as Error).message}); remove it and re-join this node`, {
      reason: 'key-pem',
      cause: error,
    });
  }
  if (!matches) {
    throw new PkiError('EDGE_PKI_CREDENTIALS_CORRUPT', `${where}: the private key does not belong to the certificate; remove the file and re-join this node`, {
      reason: 'key-mismatch',
    });
  }
}
