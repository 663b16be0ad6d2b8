// Starts Debian's docker-registry (distribution 2.x) on 127.0.0.1 at a free
// port with its own temporary storage and config; stop() kills it and
// deletes everything. Optional Basic auth (htpasswd, bcrypt) or token auth.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RegistryAuthConfig {
  htpasswd?: { username: string; password: string };
  token?: { realm: string; service: string; issuer: string; rootCertBundlePath: string };
}

export interface RunningRegistry {
  port: number;
  /** "127.0.0.1:PORT", the domain in image references. */
  domain: string;
  /** Where the registry keeps its data (tests tamper with blobs here). */
  storageDir: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startRegistry(auth: RegistryAuthConfig = {}): Promise<RunningRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-registry-'));
  const storageDir = join(dir, 'storage');
  const port = await freePort();
  let authYaml = '';
  if (auth.htpasswd !== undefined) {
    const line = execFileSync('htpasswd', ['-Bbn', auth.htpasswd.username, auth.htpasswd.password], { encoding: 'utf8' }).trim();
    writeFileSync(join(dir, 'htpasswd'), `${line}\n`);
    authYaml = `auth:\n  htpasswd:\n    realm: edge-test\n    path: ${join(dir, 'htpasswd')}\n`;
  } else if (auth.token !== undefined) {
    const t = auth.token;
    authYaml = `auth:\n  token:\n    realm: ${t.realm}\n    service: ${t.service}\n    issuer: ${t.issuer}\n    rootcertbundle: ${t.rootCertBundlePath}\n`;
  }
  const config = `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storageDir}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
${authYaml}`;
  writeFileSync(join(dir, 'config.yml'), config);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const stop = async (): Promise<void> => {
    await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
      try {
        const response = await fetch(`http://127.0.0.1:${port}/v2/`);
        await response.body?.cancel();
        if (response.status === 200 || response.status === 401) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`docker-registry did not start within 15 s: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, domain: `127.0.0.1:${port}`, storageDir, stop };
}

/** Path of a blob's data file inside the registry's storage (filesystem driver layout). */
export function registryBlobPath(registry: RunningRegistry, digest: string): string {
  const hex = digest.slice(7);
  return join(registry.storageDir, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}
