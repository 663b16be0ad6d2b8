/**
 * Container root filesystems under `<dataDir>/rootfs/<container id>/`:
 * `lease.json` (which image and layers it holds, written before anything is
 * mounted so removal and garbage collection see the reference), then either
 * an overlayfs mount at `merged/` (lowerdirs = unpacked layers, top first;
 * `upper/` and `work/` for the container's writes) or, when overlayfs is not
 * available, a copy assembled in `merged/` (rootfs-copy.ts).
 */
import { lazyBuiltin } from '../../common/builtin.js';

const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestHex, type Digest } from './digest.js';
import { ImageError } from './errors.js';
import type { ImageRecord } from './image-records.js';
import type { LayerStore } from './layer-store.js';
import type { ImageRuntimeConfig } from './manifest.js';
import { assembleByCopy } from './rootfs-copy.js';

export type RootfsMode = 'overlay' | 'copy';
/** "auto" tries overlayfs and falls back to a copy when the mount fails. */
export type RootfsModePreference = RootfsMode | 'auto';

export interface RootfsLease {
  containerId: string;
  imageId: Digest;
  /** Layers the rootfs uses, bottom first; kept even if the image is force-removed. */
  chainIds: Digest[];
  mode: RootfsMode;
  createdMs: number;
}

export interface PreparedRootfs {
  containerId: string;
  imageId: Digest;
  /** Directory to hand the OCI runtime as root.path. */
  rootfsPath: string;
  mode: RootfsMode;
  config: ImageRuntimeConfig;
}

const containerIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** The kernel reads mount options from one page; the option string must fit in it. */
const mountOptionsBytesMax = 4096;

function run(command: string, args: string[], cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    childProcess().execFile(command, args, { cwd }, (error, _stdout, stderr) => (error === null ? resolve() : reject(new Error(stderr.trim() || error.message))));
  });
}

/** True when `path` is a mount point (from /proc/self/mountinfo, whose paths escape spaces as octal). */
async function isMountPoint(path: string): Promise<boolean> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  return table.split('\n').some((line) => line.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))) === path);
}

export class RootfsManager {
  readonly rootfsDir: string;

  constructor(dataDir: string, private readonly layers: LayerStore, private readonly preference: RootfsModePreference) {
    this.rootfsDir = join(dataDir, 'rootfs');
  }

  async init(): Promise<void> {
    await mkdir(this.rootfsDir, { recursive: true });
  }

  private containerDir(containerId: string): string {
    if (!containerIdPattern.test(containerId)) {
      throw new ImageError('EDGE_IMAGE_ROOTFS_FAILED', `container id "${containerId}" is not usable as a directory name; use 1-128 of [A-Za-z0-9_.-], starting with a letter or digit`);
    }
    return join(this.rootfsDir, containerId);
  }

  async prepare(image: ImageRecord, containerId: string): Promise<PreparedRootfs> {
    const dir = this.containerDir(containerId);
    try {
      await mkdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new ImageError('EDGE_IMAGE_ROOTFS_EXISTS', `a rootfs for container ${containerId} already exists; release it first or use another container id`);
      throw error;
    }
    const chainIds = image.layers.map((layer) => layer.chainId);
    const lease: RootfsLease = { containerId, imageId: image.id, chainIds, mode: this.preference === 'copy' ? 'copy' : 'overlay', createdMs: Date.now() };
    try {
      await writeFile(join(dir, 'lease.json'), JSON.stringify(lease));
      await mkdir(join(dir, 'merged'));
      lease.mode = await this.assemble(dir, chainIds);
      await writeFile(join(dir, 'lease.json'), JSON.stringify(lease));
    } catch (error) {
      await this.release(containerId).catch(() => undefined);
      throw error instanceof ImageError ? error : new ImageError('EDGE_IMAGE_ROOTFS_FAILED', `could not prepare the rootfs of ${containerId}: ${(error as Error).message}`, { cause: error });
    }
    return { containerId, imageId: image.id, rootfsPath: join(dir, 'merged'), mode: lease.mode, config: image.config };
  }

  private async assemble(dir: string, chainIds: readonly Digest[]): Promise<RootfsMode> {
    if (this.preference !== 'copy') {
      try {
        await this.mountOverlay(dir, chainIds);
        return 'overlay';
      } catch (error) {
        if (this.preference === 'overlay') throw new ImageError('EDGE_IMAGE_ROOTFS_FAILED', `overlayfs mount failed: ${(error as Error).message}; run as root on a kernel with overlayfs, or choose the copy mode`, { cause: error });
        // "auto": a failed mount (no overlayfs, nested container) means copy instead.
      }
    }
    await assembleByCopy(chainIds.map((chainId) => this.layers.diffPath(chainId)), join(dir, 'merged'));
    return 'copy';
  }

  private async mountOverlay(dir: string, chainIds: readonly Digest[]): Promise<void> {
    await mkdir(join(dir, 'upper'));
    await mkdir(join(dir, 'work'));
    // Paths relative to the layer directory (mount runs there) keep the option
    // string short: about 70 bytes per layer instead of the full path.
    let lowers = [...chainIds].reverse().map((chainId) => `${digestHex(chainId)}/diff`);
    if (lowers.length === 0) {
      await mkdir(join(dir, 'empty'));
      lowers = [join(dir, 'empty')];
    }
    const options = `lowerdir=${lowers.join(':')},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`;
    if (Buffer.byteLength(options) >= mountOptionsBytesMax) throw new Error(`${chainIds.length} layers make the overlay options longer than one page`);
    await run('mount', ['-t', 'overlay', 'overlay', '-o', options, join(dir, 'merged')], this.layers.layerDir);
  }

  /** Unmounts and deletes; a container id with no rootfs is not an error. */
  async release(containerId: string): Promise<void> {
    const dir = this.containerDir(containerId);
    const merged = join(dir, 'merged');
    if (await isMountPoint(merged)) {
      try {
        await run('umount', [merged]);
      } catch (error) {
        throw new ImageError('EDGE_IMAGE_ROOTFS_FAILED', `could not unmount the rootfs of ${containerId} (${(error as Error).message}); stop the processes still using it and release again`, { retryable: true, cause: error });
      }
    }
    // Never delete through a mount: that would empty the layers beneath it.
    if (await isMountPoint(merged)) throw new ImageError('EDGE_IMAGE_ROOTFS_FAILED', `the rootfs of ${containerId} is still mounted; release again`, { retryable: true });
    await rm(dir, { recursive: true, force: true });
  }

  async leases(): Promise<RootfsLease[]> {
    const leases: RootfsLease[] = [];
    for (const name of await readdir(this.rootfsDir)) {
      try {
        leases.push(JSON.parse(await readFile(join(this.rootfsDir, name, 'lease.json'), 'utf8')) as RootfsLease);
      } catch {
        // A directory without a readable lease is an interrupted prepare; release() cleans it.
      }
    }
    return leases;
  }
}
