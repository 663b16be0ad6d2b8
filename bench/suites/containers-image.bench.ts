// Image benchmarks (root, docker-registry, skopeo, busybox-static, GNU tar):
//   - pull time of busybox plus a random-data layer from a registry on
//     loopback, as a ratio to `skopeo copy docker://… oci:DIR` of the same
//     image, alternated in the same run (ours also unpacks; skopeo does not);
//   - the same pull as MiB/s of compressed layer bytes (reported, not budgeted:
//     absolute speed depends on the machine);
//   - resident memory growth of this process across one pull (streaming
//     should keep it far below the image size);
//   - unpacking one layer tar through our reader and unpacker, as a ratio to
//     `tar -xf` of the same tar.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { median, type BenchSuite, type Measure } from '../harness.js';
import { ImageService } from '../../runtime/containers/image/index.js';
import { unpackLayer } from '../../runtime/containers/image/layer-unpack.js';
import { busyboxImage, layerFromEntries } from '../../test/containers/support/image-builder.js';
import { pushImage } from '../../test/containers/support/push.js';
import { startRegistry } from '../../test/containers/support/registry.js';
import { tempStore } from '../../test/containers/support/temp-store.js';

const MiB = 1024 * 1024;

function timed(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

async function timedAsync(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

export const suite: BenchSuite = {
  name: 'containers-image',
  async run(context): Promise<Measure[]> {
    const dataMiB = context.ci ? 16 : 48;
    const rounds = context.ci ? 3 : 5;
    // Eight files of random data: incompressible, so the blob is as big as the data.
    const files = Array.from({ length: 8 }, (_, index) => ({ path: `data/part-${index}.bin`, body: randomBytes((dataMiB * MiB) / 8) }));
    const dataLayer = layerFromEntries(files);
    const image = busyboxImage({ extraLayers: [dataLayer] });
    const layerBytes = image.layers.reduce((sum, layer) => sum + layer.bytes.length, 0);
    const registry = await startRegistry();
    const scratch = tempStore('bench');
    try {
      await pushImage({ domain: registry.domain, repository: 'bench/data' }, image, 'v1');
      const reference = `${registry.domain}/bench/data:v1`;
      const oursMs: number[] = [];
      const skopeoMs: number[] = [];
      let rssGrowthBytes = 0;
      for (let round = 0; round < rounds; round++) {
        const skopeoDir = join(scratch.dataDir, `skopeo-${round}`);
        skopeoMs.push(timed(() => execFileSync('skopeo', ['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', `docker://${reference}`, `oci:${skopeoDir}`], { stdio: 'ignore' })));
        const service = await ImageService.open({ dataDir: join(scratch.dataDir, `ours-${round}`), insecureRegistries: [registry.domain], platform: 'linux/amd64' });
        const rssBefore = process.memoryUsage().rss;
        oursMs.push(await timedAsync(() => service.pull(reference)));
        rssGrowthBytes = Math.max(rssGrowthBytes, process.memoryUsage().rss - rssBefore);
        rmSync(skopeoDir, { recursive: true, force: true });
        rmSync(join(scratch.dataDir, `ours-${round}`), { recursive: true, force: true });
      }

      const tarPath = join(scratch.dataDir, 'layer.tar');
      writeFileSync(tarPath, dataLayer.tar);
      const unpackMs: number[] = [];
      const gnuTarMs: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const gnuDir = mkdtempSync(join(scratch.dataDir, 'gnu-'));
        gnuTarMs.push(timed(() => execFileSync('tar', ['-xf', tarPath, '-C', gnuDir])));
        const ourDir = join(scratch.dataDir, `ours-unpack-${round}`);
        mkdirSync(ourDir);
        unpackMs.push(await timedAsync(() => unpackLayer([dataLayer.tar], { targetDir: ourDir, lowerDirs: [] })));
        rmSync(gnuDir, { recursive: true, force: true });
        rmSync(ourDir, { recursive: true, force: true });
      }
      return [
        { name: 'images.pullTimeRatioToSkopeo', value: median(oursMs) / median(skopeoMs), unit: 'ratio', note: `median of ${rounds} alternated pulls of busybox + ${dataMiB} MiB random layer from loopback docker-registry; ours includes unpacking` },
        { name: 'images.pullMiBPerSecond', value: layerBytes / MiB / (median(oursMs) / 1000), unit: 'MiB/s', note: 'compressed layer bytes / median pull time (download, verify, unpack)' },
        { name: 'images.pullRssGrowthMiB', value: rssGrowthBytes / MiB, unit: 'MiB', note: `largest RSS growth of the bench process across one pull of a ${(layerBytes / MiB).toFixed(1)} MiB image` },
        { name: 'images.unpackTimeRatioToGnuTar', value: median(unpackMs) / median(gnuTarMs), unit: 'ratio', note: `median of ${rounds}: unpackLayer vs tar -xf of the same ${dataMiB} MiB layer tar` },
      ];
    } finally {
      scratch.cleanup();
      await registry.stop();
    }
  },
};

