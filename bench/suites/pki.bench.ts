// PKI costs: what a join costs the joiner and the manager, what every new
// link costs the verifier, and what the lazily loaded certificate library
// costs the process that loads it. Plain timing loops with a warm-up and the
// median, because each operation is one async call of a few milliseconds.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { transform } from 'esbuild';
import { ManualClock } from '../../runtime/common/clock.js';
import { CertificateAuthority } from '../../runtime/pki/certificate-authority.js';
import { createNodeKeyAndRequest } from '../../runtime/pki/certificate-request.js';
import { verifyPeerChain } from '../../runtime/pki/peer-verifier.js';
import { TrustBundle } from '../../runtime/pki/trust-bundle.js';
import { TrustedTime } from '../../runtime/pki/trusted-time.js';
import { type BenchSuite, type Measure, median } from '../harness.js';

const run = promisify(execFile);

async function timeEach(iterations: number, warmup: number, body: () => Promise<unknown> | unknown): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await body();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await body();
    samples.push(performance.now() - started);
  }
  return samples;
}

/**
 * Loads @peculiar/x509 through our loader in a fresh plain-node process (no
 * tsx: its require hook triples the time) and returns [ms, RSS growth MiB].
 * The loader is compiled with esbuild and evaluated from the repository root
 * so the bare import resolves as it does in production.
 */
async function coldLibraryLoad(root: string): Promise<[number, number]> {
  const source = await readFile(join(root, 'runtime/pki/x509-library.ts'), 'utf8');
  // The loader's one project import (lazy built-ins) becomes plain node:crypto here: a -e script cannot resolve relative imports.
  const standalone = source.replace(/import \{ nodeCrypto \} from '\.\.\/common\/builtin\.js';/, "import * as crypto from 'node:crypto';\nconst nodeCrypto = () => crypto;");
  const { code } = await transform(standalone, { loader: 'ts', format: 'esm' });
  const script = `const before = process.memoryUsage().rss;
const started = performance.now();
${code}
await loadX509Library();
console.log(JSON.stringify([performance.now() - started, (process.memoryUsage().rss - before) / 1048576]));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
  return JSON.parse(stdout) as [number, number];
}

export const suite: BenchSuite = {
  name: 'pki',
  async run({ ci, root }): Promise<Measure[]> {
    const clock = new ManualClock(Date.UTC(2027, 0, 1));
    const ca = await CertificateAuthority.create({ clusterId: 'bench', clock });
    const trust = TrustBundle.of([ca.certificate]);
    const time = new TrustedTime({ clock });
    const verify = (certPem: string) => verifyPeerChain([certPem], { trust, time, peerTlsRole: 'client' });
    const issueIterations = ci ? 100 : 300;

    const issue = await timeEach(issueIterations, 10, async () => {
      const { csrPem } = await createNodeKeyAndRequest({ hostname: 'pi-bench', addresses: ['10.0.0.10'] });
      verify(await ca.issueNodeCertificate({ csrPem, nodeId: 'node-bench', role: 'worker' }));
    });
    const joinerSide = await timeEach(issueIterations, 5, () => createNodeKeyAndRequest({ hostname: 'pi-bench', addresses: ['10.0.0.10'] }));
    const { csrPem } = await createNodeKeyAndRequest({ hostname: 'pi-bench', addresses: ['10.0.0.10'] });
    const managerSide = await timeEach(issueIterations, 5, () => ca.issueNodeCertificate({ csrPem, nodeId: 'node-bench', role: 'worker' }));
    const leafPem = await ca.issueNodeCertificate({ csrPem, nodeId: 'node-bench', role: 'worker' });
    const verifyOnly = await timeEach(ci ? 500 : 5000, 50, () => verify(leafPem));
    const rsaKeygen = await timeEach(ci ? 3 : 15, 1, () => generateKeyPairSync('rsa', { modulusLength: 2048 }));
    const loads: Array<[number, number]> = [];
    for (let i = 0; i < (ci ? 3 : 7); i++) loads.push(await coldLibraryLoad(root));

    return [
      { name: 'pki.nodeCertIssueMsMedian', value: median(issue), unit: 'ms', note: `P-256 keygen + CSR + CA checks CSR and signs + verifyPeerChain, median of ${issue.length}` },
      { name: 'pki.joinerKeyAndCsrMsMedian', value: median(joinerSide), unit: 'ms', note: `joiner side only: P-256 keygen + PKCS#10 CSR, median of ${joinerSide.length}` },
      { name: 'pki.caIssueMsMedian', value: median(managerSide), unit: 'ms', note: `manager side only: CSR parse + signature check + sign node certificate, median of ${managerSide.length}` },
      { name: 'pki.peerVerifyMsMedian', value: median(verifyOnly), unit: 'ms', note: `verifyPeerChain on a PEM leaf (parse, chain, signature, validity, EKU, identity), median of ${verifyOnly.length}` },
      { name: 'pki.rsa2048KeygenNativeMsMedian', value: median(rsaKeygen), unit: 'ms', note: `reference only: native OpenSSL RSA-2048 keygen (node-forge does it in pure JS, slower), median of ${rsaKeygen.length}` },
      { name: 'pki.x509LibraryLoadMsMedian', value: median(loads.map(([ms]) => ms)), unit: 'ms', note: `cold load of @peculiar/x509 (with its dependencies) in a fresh plain-node process, median of ${loads.length}` },
      { name: 'pki.x509LibraryLoadRssMiBMedian', value: median(loads.map(([, mib]) => mib)), unit: 'MiB', note: 'RSS growth from that load: what a verify-only worker saves' },
    ];
  },
};
