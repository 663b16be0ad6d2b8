// Run inside the lab's switch namespace: pushes a busybox-static image to the
// lab registry given as the first argument (host:port).
import { busyboxImage } from '../containers/support/image-builder.js';
import { pushImage } from '../containers/support/push.js';

const domain = process.argv[2];
if (!domain) throw new Error('usage: push-busybox.ts HOST:PORT');
const architecture = process.arch === 'x64' ? 'amd64' : process.arch;
await pushImage({ domain, repository: 'busybox' }, busyboxImage({ platform: { os: 'linux', architecture } }), 'latest');
