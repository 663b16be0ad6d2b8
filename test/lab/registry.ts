// The lab's image registry: Debian's docker-registry in the switch namespace,
// on the bridge address 10.254.42.1 that every lab host reaches, with a
// busybox-static image pushed to it. Lab hosts pull over plain http
// (edged --insecure-registries).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from './lab.js';
import { LAB_SUBNET_PREFIX } from './lab.js';

export const labRegistryAddress = `${LAB_SUBNET_PREFIX}.1:5000`;
export const labBusyboxImage = `${labRegistryAddress}/busybox:latest`;

function inSwitch(lab: Lab): string[] {
  return [`--net=/var/run/netns/${lab.name}-sw`];
}

/** Starts the registry (killed with the lab's namespaces) and pushes busybox:latest. */
export async function startLabRegistry(lab: Lab): Promise<void> {
  const dir = join(lab.stateDir, 'registry');
  mkdirSync(join(dir, 'storage'), { recursive: true });
  execFileSync('ip', ['-n', `${lab.name}-sw`, 'addr', 'replace', `${LAB_SUBNET_PREFIX}.1/24`, 'dev', 'br0']);
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'storage')}\nhttp:\n  addr: ${labRegistryAddress}\n`,
  );
  const child = spawn('nsenter', [...inSwitch(lab), 'docker-registry', 'serve', join(dir, 'config.yml')], { stdio: 'ignore', detached: true });
  child.unref();
  // The push runs inside the switch namespace too: only there is 10.254.42.1 reachable.
  const script = join(process.cwd(), 'test/lab/push-busybox.ts');
  for (let attempt = 0; ; attempt++) {
    try {
      execFileSync('nsenter', [...inSwitch(lab), process.execPath, '--import', 'tsx', script, labRegistryAddress], { stdio: 'pipe', timeout: 60_000 });
      return;
    } catch (error) {
      if (attempt >= 40) throw new Error(`could not push busybox to the lab registry: ${(error as { stderr?: Buffer }).stderr?.toString() ?? error}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
