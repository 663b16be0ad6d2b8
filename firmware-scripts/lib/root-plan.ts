/**
 * What goes into the root file system, as a list of debugfs operations over
 * a staging directory of generated files. Building the plan reads and checks
 * every source file, so a missing bundle fails before the image is touched.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import type { BoardProfile } from '../../runtime/boards/profile.js';
import { FirmwareError } from './errors.js';
import type { Ext4Op } from './ext4-partition.js';
import {
  EDGECTL_BUNDLE, EDGECTL_WRAPPER, EDGED_BUNDLE, EDGED_UNIT, EDGED_WANTS_LINK, FIRSTBOOT_HOSTNAME_SCRIPT, HOSTNAME_UNIT,
  HOSTNAME_WANTS_LINK, IMAGE_MANIFEST, NODE_BINARY, NODE_LICENSE, OCI_BIN_DIR, OCI_LIB_DIR, PATH_LINKS, STATE_DIR, SYSTEMD_UNIT_DIR,
} from './layout.js';
import type { NodeRuntime } from './node-runtime.js';
import type { OciRuntime } from './oci-runtime.js';
import { renderEdgectlWrapper, renderEdgedUnit, renderFirstbootHostnameScript, renderHostnameUnit, renderImageManifest } from './system-files.js';

export interface RootPlan {
  ops: readonly Ext4Op[];
  /** Image paths of the regular files written. */
  files: readonly string[];
  /** Bytes of the regular files. */
  fileBytes: number;
  dispose(): void;
}

/** Per-file cost beyond its data (inode table slack, directory entries, extent blocks), bytes. */
const FILE_OVERHEAD_BYTES = 4096;
const EXECUTABLE = 0o755;
const READABLE = 0o644;

interface PlannedFile {
  path: string;
  source: string;
  mode: number;
}

export function planRootFiles(input: { board: BoardProfile; edgedPath: string; edgectlPath: string; node: NodeRuntime; oci: OciRuntime }): RootPlan {
  const staging = mkdtempSync(join(tmpdir(), 'edge-root-'));
  try {
    let serial = 0;
    /** debugfs reads sources by path and cannot quote; a link with a plain name stands in for any path. */
    const external = (path: string, label: string): string => {
      checkSourceFile(path, label);
      const link = join(staging, `source-${serial++}`);
      symlinkSync(resolve(path), link);
      return link;
    };
    const generated = (name: string, text: string): string => {
      writeFileSync(join(staging, name), text);
      return join(staging, name);
    };
    const files: PlannedFile[] = [
      { path: NODE_BINARY, source: external(input.node.binary, 'the arm64 node binary'), mode: EXECUTABLE },
      ...(input.node.license === null ? [] : [{ path: NODE_LICENSE, source: external(input.node.license, 'the Node.js licence'), mode: READABLE }]),
      { path: EDGED_BUNDLE, source: external(input.edgedPath, '--edged (dist/edged.js)'), mode: READABLE },
      { path: EDGECTL_BUNDLE, source: external(input.edgectlPath, '--edgectl (dist/edgectl.js)'), mode: READABLE },
      // The bundles are ES modules; next to them this says so to node, as package.json does in the repository.
      { path: `${dirname(EDGED_BUNDLE)}/package.json`, source: generated('package.json', '{ "type": "module" }\n'), mode: READABLE },
      { path: `${OCI_BIN_DIR}/crun`, source: external(input.oci.binaries.crun, 'crun'), mode: EXECUTABLE },
      { path: `${OCI_BIN_DIR}/runc`, source: external(input.oci.binaries.runc, 'runc'), mode: EXECUTABLE },
      ...readdirSync(input.oci.libDir).sort().map((name) => ({ path: `${OCI_LIB_DIR}/${name}`, source: external(join(input.oci.libDir, name), `library ${name}`), mode: EXECUTABLE })),
      { path: `${SYSTEMD_UNIT_DIR}/${EDGED_UNIT}`, source: generated('edged.service', renderEdgedUnit(input.board)), mode: READABLE },
      { path: `${SYSTEMD_UNIT_DIR}/${HOSTNAME_UNIT}`, source: generated('hostname.service', renderHostnameUnit(input.board)), mode: READABLE },
      { path: FIRSTBOOT_HOSTNAME_SCRIPT, source: generated('firstboot-hostname', renderFirstbootHostnameScript(input.board)), mode: EXECUTABLE },
      { path: EDGECTL_WRAPPER, source: generated('edgectl', renderEdgectlWrapper()), mode: EXECUTABLE },
    ];
    const manifest = renderImageManifest({
      board: input.board.id,
      nodeVersion: input.node.version,
      ociPackages: input.oci.packages,
      sha256: Object.fromEntries(files.filter((file) => file.path !== IMAGE_MANIFEST).map((file) => [file.path, sha256File(file.source)])),
    });
    files.push({ path: IMAGE_MANIFEST, source: generated('image.json', manifest), mode: READABLE });
    const links = [
      ...PATH_LINKS,
      { path: EDGED_WANTS_LINK, target: `${SYSTEMD_UNIT_DIR}/${EDGED_UNIT}` },
      { path: HOSTNAME_WANTS_LINK, target: `${SYSTEMD_UNIT_DIR}/${HOSTNAME_UNIT}` },
    ];
    // STATE_DIR is listed as the parent of a placeholder so it exists from the first boot (the hostname marker goes there).
    const directories = ancestors([...files.map((file) => file.path), ...links.map((link) => link.path), `${STATE_DIR}/placeholder`]);
    const ops: Ext4Op[] = [
      ...directories.map((path) => ({ kind: 'mkdir' as const, path })),
      ...files.map((file) => ({ kind: 'file' as const, ...file })),
      ...links.map((link) => ({ kind: 'symlink' as const, ...link })),
    ];
    const fileBytes = files.reduce((sum, file) => sum + statSync(file.source).size, 0);
    return { ops, files: files.map((file) => file.path), fileBytes, dispose: () => rmSync(staging, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Space the plan needs in the root file system, with `headroomBytes` left over for the running system. */
export function rootBytesNeeded(plan: RootPlan, headroomBytes: number): number {
  return plan.fileBytes + plan.ops.length * FILE_OVERHEAD_BYTES + headroomBytes;
}

/** Every directory above the given paths, parents first. */
function ancestors(paths: readonly string[]): string[] {
  const directories = new Set<string>();
  for (const path of paths) {
    for (let dir = posix.dirname(path); dir !== '/'; dir = posix.dirname(dir)) directories.add(dir);
  }
  return [...directories].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}

function checkSourceFile(path: string, label: string): void {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    // Reported below with the fix.
  }
  if (!isFile) throw new FirmwareError('EDGE_FIRMWARE_ARTIFACT_INVALID', `${label}: ${path} is not a readable file; build it first (npm run build) or fix the path`);
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
