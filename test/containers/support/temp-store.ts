// A temporary data directory for an image store, and a cleanup that first
// unmounts anything a failed test left mounted inside it (deleting through
// an overlay mount would be slow and confusing), then deletes it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempStore {
  dataDir: string;
  cleanup(): void;
}

export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mountPoint) => mountPoint.startsWith(`${dir}/`));
}

export function tempStore(label: string): TempStore {
  const dataDir = mkdtempSync(join(tmpdir(), `edge-images-${label}-`));
  return {
    dataDir,
    cleanup(): void {
      for (const mountPoint of mountsUnder(dataDir).reverse()) execFileSync('umount', ['-l', mountPoint]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
