/**
 * crun (preferred) and runc (fallback) for arm64, from Debian's packages.
 * They are installed under /opt/edgectl/oci with every shared library they
 * load, glibc's loader included, and patched (patchelf) to use that loader
 * and that library directory. So they run the same on any base OS release,
 * and installing them never replaces a library the base OS depends on.
 */
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { describeMachine, elfMachine, EM_AARCH64 } from './elf.js';
import { FirmwareError } from './errors.js';
import { run } from './exec.js';
import { OCI_INTERPRETER, OCI_LIB_DIR } from './layout.js';

/**
 * crun and runc, and the closure of their Depends in Debian bookworm arm64
 * (libsystemd0 brings gcrypt, lz4, lzma, zstd). If Debian adds a dependency,
 * the closure check below fails naming the missing library.
 */
export const OCI_PACKAGES: readonly string[] = [
  'crun', 'runc', 'libyajl2', 'libseccomp2', 'libcap2', 'libsystemd0',
  'libgcrypt20', 'libgpg-error0', 'liblz4-1', 'liblzma5', 'libzstd1', 'libc6',
];
const OCI_BINARIES = ['crun', 'runc'] as const;
const LIBRARY_DIRS = ['lib/aarch64-linux-gnu', 'usr/lib/aarch64-linux-gnu', 'lib', 'usr/lib'];
const BINARY_DIRS = ['usr/bin', 'usr/sbin', 'bin', 'sbin'];
/** Bounds the dependency walk; glibc plus these libraries is about 15. */
const LIBRARIES_MAX = 64;
const SYMLINK_HOPS_MAX = 16;

export interface OciRuntime {
  /** Local paths of the binaries, by name. */
  binaries: Readonly<Record<(typeof OCI_BINARIES)[number], string>>;
  /** Local directory whose files go to OCI_LIB_DIR. */
  libDir: string;
  /** "name=version" of each package, for the image manifest. */
  packages: readonly string[];
}

/** Uses a prepared directory (`--oci-dir` with bin/ and lib/) or builds one in the cache. */
export function prepareOciRuntime(options: { ociDir: string | null; cacheDir: string; log: (line: string) => void }): OciRuntime {
  const dir = options.ociDir ?? join(options.cacheDir, 'oci-arm64');
  if (options.ociDir === null && !existsSync(join(dir, 'packages.txt'))) buildOciDir(dir, options.cacheDir, options.log);
  const binaries = { crun: join(dir, 'bin', 'crun'), runc: join(dir, 'bin', 'runc') };
  for (const binary of Object.values(binaries)) {
    if (!existsSync(binary)) throw new FirmwareError('EDGE_FIRMWARE_ARTIFACT_INVALID', `${binary} is missing; --oci-dir needs bin/crun, bin/runc and lib/`);
    const machine = elfMachine(binary);
    if (machine !== EM_AARCH64) throw new FirmwareError('EDGE_FIRMWARE_ARTIFACT_INVALID', `${binary} is ${describeMachine(machine)}, not aarch64`);
  }
  const libDir = join(dir, 'lib');
  if (!existsSync(libDir)) throw new FirmwareError('EDGE_FIRMWARE_ARTIFACT_INVALID', `${libDir} is missing; --oci-dir needs bin/ and lib/`);
  const packagesFile = join(dir, 'packages.txt');
  const packages = existsSync(packagesFile) ? readFileSync(packagesFile, 'utf8').split('\n').filter((line) => line !== '') : ['(prepared directory)'];
  return { binaries, libDir, packages };
}

/** apt-get with its state in our cache, set to arm64: needs no root-owned apt state and leaves the host's apt alone. */
function aptArgs(cacheDir: string): string[] {
  const lists = join(cacheDir, 'apt', 'lists');
  const cache = join(cacheDir, 'apt', 'cache');
  mkdirSync(join(lists, 'partial'), { recursive: true });
  mkdirSync(join(cache, 'archives', 'partial'), { recursive: true });
  return ['-q', '-o', 'APT::Architecture=arm64', '-o', 'APT::Architectures=arm64', '-o', `Dir::State::Lists=${lists}`, '-o', `Dir::Cache=${cache}`];
}

/** Downloads the named arm64 packages into `debDir` (apt-get download), refreshing the package lists once. */
export function downloadArm64Debs(packages: readonly string[], debDir: string, cacheDir: string, log: (line: string) => void): string[] {
  mkdirSync(debDir, { recursive: true });
  const found = () => packages.map((name) => readdirSync(debDir).find((file) => file.startsWith(`${name}_`) && file.endsWith('_arm64.deb')));
  if (found().every((file) => file !== undefined)) return found().map((file) => join(debDir, file!));
  log(`fetching arm64 packages from Debian: ${packages.join(' ')}`);
  try {
    run('apt-get', [...aptArgs(cacheDir), 'update'], { purpose: 'apt-get update (arm64 lists)' });
    run('apt-get', [...aptArgs(cacheDir), 'download', ...packages], { cwd: debDir, purpose: 'apt-get download' });
  } catch (error) {
    if (error instanceof FirmwareError && error.code === 'EDGE_FIRMWARE_TOOL_MISSING') throw error;
    throw new FirmwareError('EDGE_FIRMWARE_DOWNLOAD_FAILED', `could not fetch arm64 packages: ${(error as Error).message}; check the network, or pass --oci-dir`, { retryable: true, cause: error });
  }
  const files = found();
  const missing = packages.filter((_, index) => files[index] === undefined);
  if (missing.length > 0) throw new FirmwareError('EDGE_FIRMWARE_DOWNLOAD_FAILED', `apt-get download left no .deb for ${missing.join(', ')}`, { retryable: true });
  return files.map((file) => join(debDir, file!));
}

function buildOciDir(target: string, cacheDir: string, log: (line: string) => void): void {
  const debs = downloadArm64Debs(OCI_PACKAGES, join(cacheDir, 'debs'), cacheDir, log);
  const staging = mkdtempSync(join(cacheDir, '.oci-'));
  try {
    const tree = join(staging, 'tree');
    const out = join(staging, 'out');
    mkdirSync(join(out, 'bin'), { recursive: true });
    mkdirSync(join(out, 'lib'), { recursive: true });
    for (const deb of debs) run('dpkg-deb', ['-x', deb, tree], { purpose: `unpacking ${deb}` });
    for (const name of OCI_BINARIES) {
      const dir = BINARY_DIRS.find((candidate) => existsSync(join(tree, candidate, name)));
      if (dir === undefined) throw new FirmwareError('EDGE_FIRMWARE_ARTIFACT_INVALID', `the ${name} package holds no ${name} binary`);
      copyFileSync(join(tree, dir, name), join(out, 'bin', name));
    }
    copyLibraryClosure(tree, out);
    for (const name of OCI_BINARIES) {
      // DT_RPATH (not RUNPATH) so the libraries' own dependencies resolve here too.
      run('patchelf', ['--set-interpreter', OCI_INTERPRETER, '--force-rpath', '--set-rpath', OCI_LIB_DIR, join(out, 'bin', name)]);
    }
    const versions = debs.map((deb) => decodeURIComponent(posix.basename(deb)).split('_').slice(0, 2).join('='));
    writeFileSync(join(out, 'packages.txt'), `${versions.join('\n')}\n`);
    rmSync(target, { recursive: true, force: true });
    renameSync(out, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Copies every library the binaries need, transitively, plus the loader. */
function copyLibraryClosure(tree: string, out: string): void {
  const pending = OCI_BINARIES.map((name) => join(out, 'bin', name));
  const copied = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    const needed = run('patchelf', ['--print-needed', file]).stdout.split('\n').filter((line) => line !== '');
    for (const soname of [...needed, posix.basename(OCI_INTERPRETER)]) {
      if (copied.has(soname)) continue;
      if (copied.size >= LIBRARIES_MAX) throw new FirmwareError('EDGE_FIRMWARE_OCI_LIBRARY_MISSING', `more than ${LIBRARIES_MAX} libraries needed; the package set changed`);
      const source = findLibrary(tree, soname);
      if (source === null) {
        throw new FirmwareError('EDGE_FIRMWARE_OCI_LIBRARY_MISSING', `${posix.basename(file)} needs ${soname}, which no package in OCI_PACKAGES provides; add its Debian package to firmware-scripts/lib/oci-runtime.ts`);
      }
      copyFileSync(source, join(out, 'lib', soname));
      copied.add(soname);
      pending.push(join(out, 'lib', soname));
    }
  }
}

/** Finds a library in the unpacked tree, following symlinks inside the tree (absolute targets point into it, not the host). */
function findLibrary(tree: string, soname: string): string | null {
  for (const dir of LIBRARY_DIRS) {
    let path = join(tree, dir, soname);
    for (let hop = 0; hop < SYMLINK_HOPS_MAX && lstatOrNull(path)?.isSymbolicLink() === true; hop++) {
      const target = readlinkSync(path);
      path = isAbsolute(target) ? join(tree, target) : join(posix.dirname(path), target);
    }
    if (lstatOrNull(path)?.isFile() === true) return path;
  }
  return null;
}

/** lstat that answers null for a missing path (existsSync would follow a link out to the host). */
function lstatOrNull(path: string): ReturnType<typeof lstatSync> | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}
