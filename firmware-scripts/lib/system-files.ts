/**
 * Text of the files the image gains besides the binaries: systemd units, the
 * first-boot hostname script, the edgectl wrapper and the image manifest.
 * Pure functions of the board profile, so tests can check them without an image.
 */
import { readFileSync } from 'node:fs';
import { bootConfigPath } from '../../runtime/boards/boot-config.js';
import type { BoardProfile } from '../../runtime/boards/profile.js';
import {
  EDGECTL_BUNDLE,
  EDGED_BUNDLE,
  FIRSTBOOT_HOSTNAME_SCRIPT,
  HOSTNAME_DONE_MARKER,
  HOSTNAME_UNIT,
  NODE_BINARY,
  STATE_DIR,
} from './layout.js';

/** Seconds between restarts: long enough not to spin on a crash loop, short next to a 15 s failure detector. */
export const EDGED_RESTART_SECONDS = 5;
/** The kernel's OOM killer should pick a container before the agent that would restart it. */
const EDGED_OOM_SCORE_ADJUST = -900;

export function renderEdgedUnit(profile: BoardProfile): string {
  const execStart = [NODE_BINARY, ...profile.v8Flags, EDGED_BUNDLE, '--data-dir', STATE_DIR, '--boot-config', bootConfigPath(profile), '--board', profile.id].join(' ');
  return `# edged, the edgectl agent. Installed by firmware-scripts/build-image.ts for board ${profile.id}.
[Unit]
Description=edgectl agent (edged)
Wants=network-online.target
After=network-online.target ${HOSTNAME_UNIT}
RequiresMountsFor=${profile.bootPartitionPath} ${STATE_DIR}
# A board out of reach must never give up restarting its agent.
StartLimitIntervalSec=0

[Service]
Type=exec
# V8 heap caps from boards/${profile.id}.json keep the agent inside its ${profile.agentBudgetMiB} MiB budget.
ExecStart=${execStart}
Restart=always
RestartSec=${EDGED_RESTART_SECONDS}s
# edged creates container cgroups below its own; systemd must hand it that subtree.
Delegate=yes
# Restarting or upgrading the agent must not kill the containers it started (as containerd.service does).
KillMode=process
OOMScoreAdjust=${EDGED_OOM_SCORE_ADJUST}
LimitNOFILE=65536
StateDirectory=edgectl

[Install]
WantedBy=multi-user.target
`;
}

export function renderHostnameUnit(profile: BoardProfile): string {
  return `# Gives each card a unique hostname from the board serial on its first boot. Installed by firmware-scripts/build-image.ts.
[Unit]
Description=edgectl: unique hostname from the board serial
DefaultDependencies=no
RequiresMountsFor=${profile.bootPartitionPath} ${STATE_DIR}
After=local-fs.target
# Before anything announces the name: DHCP, mDNS, the agent.
Before=sysinit.target network-pre.target avahi-daemon.service edged.service
Wants=network-pre.target
ConditionPathExists=!${HOSTNAME_DONE_MARKER}

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${FIRSTBOOT_HOSTNAME_SCRIPT}

[Install]
WantedBy=sysinit.target
`;
}

const FIRSTBOOT_TEMPLATE = new URL('../assets/edgectl-firstboot-hostname.sh', import.meta.url);

export function renderFirstbootHostnameScript(profile: BoardProfile): string {
  return readFileSync(FIRSTBOOT_TEMPLATE, 'utf8').replaceAll('@BOARD@', profile.id).replaceAll('@BOOT_PATH@', profile.bootPartitionPath);
}

/** `edgectl` on $PATH: the bundle's own shebang wants a `node` on $PATH, which the base OS may not have. */
export function renderEdgectlWrapper(): string {
  return `#!/bin/sh\n# Runs the edgectl CLI with the Node.js runtime that came with this image.\nexec ${NODE_BINARY} ${EDGECTL_BUNDLE} "$@"\n`;
}

export interface ImageManifest {
  board: string;
  nodeVersion: string;
  ociPackages: readonly string[];
  /** sha256 of each installed file we brought, by its path in the image. */
  sha256: Readonly<Record<string, string>>;
}

/** /etc/edgectl/image.json: what this image carries, for support and for `edgectl node inspect`. */
export function renderImageManifest(manifest: ImageManifest): string {
  return `${JSON.stringify({ builtBy: 'firmware-scripts/build-image.ts', ...manifest }, null, 2)}\n`;
}
