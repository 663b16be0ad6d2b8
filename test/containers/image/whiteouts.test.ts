// End to end through `load` and `prepareRootfs`: a three-layer image whose
// upper layers delete files and directories and make a directory opaque,
// assembled both with overlayfs and with the copy fallback; both must show
// the same tree, the one the OCI layer rules define.
import { execFileSync } from 'node:child_process';
import { readdirSync, lstatSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ImageService } from '../../../runtime/containers/image/index.js';
import { needsCommands, needsRoot } from '../../common/env.js';
import { buildImage, busyboxLayerEntries, layerFromEntries, writeOciLayoutTar } from '../support/image-builder.js';
import { tempStore, type TempStore } from '../support/temp-store.js';

const ready = needsRoot() && needsCommands('mknod', 'mount', 'chroot');
let store: TempStore | undefined;

test.before(() => {
  if (ready) store = tempStore('whiteouts');
});
test.after(() => store?.cleanup());

const bottom = layerFromEntries([
  ...busyboxLayerEntries(),
  { path: 'app/keep', body: 'keep' },
  { path: 'app/gone', body: 'gone' },
  { path: 'app/dir/inner', body: 'inner' },
  { path: 'top-file', body: 't' },
  { path: 'opaque/old', body: 'old' },
  { path: 'opaque/sub/old', body: 'old' },
  { path: 'opaque/sub/also-old', body: 'old' },
]);
const middle = layerFromEntries([
  { path: 'app/.wh.gone', body: '' },
  { path: 'app/.wh.dir', body: '' },
  { path: '.wh.top-file', body: '' },
  { path: 'opaque/', type: 'directory' },
  { path: 'opaque/.wh..wh..opq', body: '' },
  { path: 'opaque/new', body: 'new' },
  { path: 'opaque/sub/new', body: 'new' },
  { path: 'added/one', body: '1' },
]);
const top = layerFromEntries([
  { path: 'app/gone', body: 'back again' },
  { path: 'added/.wh..wh..opq', body: '' },
  { path: 'added/two', body: '2' },
]);
const expected = ['added/', 'added/two', 'app/', 'app/gone', 'app/keep', 'opaque/', 'opaque/new', 'opaque/sub/', 'opaque/sub/new'];

/** Every path outside the busybox base, as "dir/" or "file". */
function tree(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const rel = relative(root, path);
      if (['bin', 'etc', 'tmp', 'root'].includes(rel.split('/')[0]!)) continue;
      const stats = lstatSync(path);
      found.push(stats.isDirectory() ? `${rel}/` : rel);
      if (stats.isDirectory()) walk(path);
    }
  };
  walk(root);
  return found.sort();
}

for (const mode of ['overlay', 'copy'] as const) {
  test(`whiteouts and opaque directories apply in ${mode} mode`, async () => {
    // Proves deleted files and directories vanish, a re-added file returns, and opaque directories hide all lower content.
    if (!ready) return;
    const archive = join(store!.dataDir, `image-${mode}.tar`);
    writeOciLayoutTar(archive, buildImage([bottom, middle, top]));
    const service = await ImageService.open({ dataDir: join(store!.dataDir, mode), rootfsMode: mode, platform: 'linux/amd64' });
    const [loaded] = await service.load(archive, { name: 'edge/whiteouts:1' });
    const rootfs = await service.prepareRootfs(loaded!.record.id, `wh-${mode}`);
    try {
      assert.is(rootfs.mode, mode);
      assert.equal(tree(rootfs.rootfsPath), expected);
      const read = execFileSync('chroot', [rootfs.rootfsPath, '/bin/cat', '/app/gone', '/opaque/new'], { encoding: 'utf8' });
      assert.is(read, 'back againnew');
    } finally {
      await service.releaseRootfs(`wh-${mode}`);
    }
  });
}

test.run();
