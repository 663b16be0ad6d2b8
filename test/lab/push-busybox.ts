// Run inside the lab's switch namespace: pushes a busybox-static image with
// every applet linked (httpd, wget for health checks, …) to the lab registry
// given as the first argument (host:port).
import { execFileSync } from 'node:child_process';
import { buildImage, busyboxLayerEntries, layerFromEntries } from '../containers/support/image-builder.js';
import { pushImage } from '../containers/support/push.js';

const domain = process.argv[2];
if (!domain) throw new Error('usage: push-busybox.ts HOST:PORT');
const architecture = process.arch === 'x64' ? 'amd64' : process.arch;
const base = busyboxLayerEntries();
const linked = new Set(base.map((entry) => entry.path));
const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' })
  .split('\n')
  .filter((name) => /^[a-z0-9_.[-]+$/.test(name) && !linked.has(`bin/${name}`))
  .map((name) => ({ path: `bin/${name}`, type: 'symlink' as const, linkPath: 'busybox' }));
const layer = layerFromEntries([...base, ...applets]);
await pushImage({ domain, repository: 'busybox' }, buildImage([layer], { platform: { os: 'linux', architecture }, cmd: ['sh'] }), 'latest');
