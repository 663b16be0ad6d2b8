// edged's settings: each one is a flag, an environment variable and a key of
// the YAML config file. Flags win over the environment, which wins over the
// file, which wins over the defaults. Every value from outside is validated
// here, with an error naming where it came from and how to fix it.
import { existsSync, readFileSync } from 'node:fs';
// The YAML parser costs several MiB of memory: it loads only when a config file has content.
import type { BootConfig } from '../boards/boot-config.js';
import { EdgeError } from '../common/errors.js';
import { defaultOrchestratorConfig, rebalanceQuietMsLimit } from '../orchestrator/config.js';
import { parseDurationMs } from '../spec/duration.js';

export interface DaemonConfig {
  /** Where identity, Raft data, images and logs live. */
  dataDir: string;
  /** Address the peer listener binds (host:port). */
  listenAddr: string;
  /** Address other nodes use to reach this one; empty means "pick the first non-loopback IPv4". */
  advertiseAddr: string;
  /** Unix socket edgectl talks to; mode 0600, root only. */
  controlSocket: string;
  /** Join token for auto-join on boot; empty when the node is not told to join. */
  joinToken: string;
  /** Manager address to join; empty means "find one over mDNS". */
  manager: string;
  /** Node name; defaults to the OS hostname. */
  hostname: string;
  labels: Record<string, string>;
  /** Registries reached over plain http (host:port), e.g. a local registry on the LAN. */
  insecureRegistries: string[];
  /** Directory for the OCI runtime's state (tmpfs); empty means under the data dir. */
  runtimeRoot: string;
  /** Board profile id; empty means "detect from /proc". */
  board: string;
  /**
   * Gossip timing (see runtime/gossip/config.ts): `lan` finds a dead node in
   * under 2 s, an idle node sending and receiving ~0.7 KiB/s in all;
   * `metered` (LTE, long-range radio) cuts the gossip bytes to a fifth
   * (~0.25 KiB/s in all) and takes ~8 s. Give every node of a cluster the
   * same profile.
   */
  gossipProfile: GossipProfile;
  /** A flashed board's boot-partition config (join token, labels); empty means "look in the usual places". */
  bootConfig: string;
  /**
   * How long a replicated service must have been quiet (no task of it
   * created or stopped) before the leader moves replicas toward an even
   * spread, e.g. back to a node that returned or was set active again; ms.
   * The orchestrator's rebalanceQuietMs (see runtime/orchestrator/config.ts
   * for the trade-off). Default 30 000. Only the leading manager's value
   * counts, so give every manager the same. Lower it where nodes do not flap
   * and a returning node should get its share soon (the lab uses a few
   * seconds); 0 rebalances as soon as a service is stable.
   */
  rebalanceQuietMs: number;
  /** Config file that was read, if any. */
  configFile: string;
  /** Boot-partition file a flashed image carries (auto-join settings). */
  bootConfigFile: string;
}

export const gossipProfiles = ['lan', 'metered'] as const;
export type GossipProfile = (typeof gossipProfiles)[number];

export const defaultConfigFile = '/etc/edgectl/edged.yaml';
export const defaultBootConfigFiles = ['/boot/firmware/edgectl.yaml', '/boot/edgectl.yaml'];

export function defaultConfig(): DaemonConfig {
  return {
    dataDir: '/var/lib/edgectl',
    listenAddr: '0.0.0.0:4270',
    advertiseAddr: '',
    controlSocket: '/run/edgectl/edged.sock',
    joinToken: '',
    manager: '',
    hostname: '',
    labels: {},
    board: '',
    gossipProfile: 'lan',
    bootConfig: '',
    insecureRegistries: [],
    runtimeRoot: '',
    rebalanceQuietMs: defaultOrchestratorConfig().rebalanceQuietMs,
    configFile: '',
    bootConfigFile: '',
  };
}

type Key = Exclude<keyof DaemonConfig, 'configFile' | 'bootConfigFile'>;

interface Setting {
  key: Key;
  flag: string;
  env: string;
  yaml: string;
  help: string;
}

export const settings: readonly Setting[] = [
  { key: 'dataDir', flag: '--data-dir', env: 'EDGED_DATA_DIR', yaml: 'data-dir', help: 'directory for identity, state, images and logs' },
  { key: 'listenAddr', flag: '--listen-addr', env: 'EDGED_LISTEN_ADDR', yaml: 'listen-addr', help: 'IP:PORT the peer listener binds' },
  { key: 'advertiseAddr', flag: '--advertise-addr', env: 'EDGED_ADVERTISE_ADDR', yaml: 'advertise-addr', help: 'IP other nodes use to reach this one' },
  { key: 'controlSocket', flag: '--control-socket', env: 'EDGED_CONTROL_SOCKET', yaml: 'control-socket', help: 'unix socket edgectl connects to' },
  { key: 'joinToken', flag: '--join-token', env: 'EDGED_JOIN_TOKEN', yaml: 'join-token', help: 'join this cluster on boot (EDGE1-…)' },
  { key: 'manager', flag: '--manager', env: 'EDGED_MANAGER', yaml: 'manager', help: 'manager IP:PORT to join (default: found over mDNS)' },
  { key: 'hostname', flag: '--hostname', env: 'EDGED_HOSTNAME', yaml: 'hostname', help: 'node name (default: the OS hostname)' },
  { key: 'labels', flag: '--labels', env: 'EDGED_LABELS', yaml: 'labels', help: 'node labels k=v,k2=v2' },
  { key: 'insecureRegistries', flag: '--insecure-registries', env: 'EDGED_INSECURE_REGISTRIES', yaml: 'insecure-registries', help: 'registries reached over plain http: host:port,host2:port' },
  { key: 'runtimeRoot', flag: '--runtime-root', env: 'EDGED_RUNTIME_ROOT', yaml: 'runtime-root', help: 'state directory of the OCI runtime (default: under the data dir)' },
  { key: 'board', flag: '--board', env: 'EDGED_BOARD', yaml: 'board', help: 'board profile id (default: detected)' },
  { key: 'gossipProfile', flag: '--gossip-profile', env: 'EDGED_GOSSIP_PROFILE', yaml: 'gossip-profile', help: 'lan (dead node found in < 2 s, ~0.7 KiB/s idle) or metered (~8 s, ~0.25 KiB/s idle)' },
  { key: 'rebalanceQuietMs', flag: '--rebalance-quiet-period', env: 'EDGED_REBALANCE_QUIET_PERIOD', yaml: 'rebalance-quiet-period', help: 'quiet time before replicas move to a returning node (default 30s)' },
  { key: 'bootConfig', flag: '--boot-config', env: 'EDGED_BOOT_CONFIG', yaml: 'boot-config', help: 'flashed boot config edgectl.yaml (default: /boot/firmware/edgectl.yaml if present)' },
];

export class ConfigError extends EdgeError {
  constructor(message: string) {
    super('EDGE_CONFIG_INVALID', message);
  }
}

export function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (text.trim() === '') return labels;
  for (const pair of text.split(',')) {
    const match = /^([A-Za-z0-9][A-Za-z0-9._\/-]{0,62})=([A-Za-z0-9._:\/-]{0,63})$/.exec(pair.trim());
    if (!match) throw new ConfigError(`${where}: label "${pair}" is not key=value (letters, digits, . _ - / ; key ≤ 63 chars)`);
    labels[match[1]!] = match[2]!;
  }
  return labels;
}

/** `anyPort` accepts port 0 ("let the OS pick"), which only makes sense for a listener. */
export function parseHostPort(text: string, where: string, options: { anyPort?: boolean } = {}): { host: string; port: number } {
  const match = /^\[?([0-9A-Za-z.:-]+?)\]?:(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  const lowest = options.anyPort ? 0 : 1;
  if (!match || port < lowest || port > 65535) throw new ConfigError(`${where}: "${text}" is not IP:PORT (for example 0.0.0.0:4270)`);
  return { host: match[1]!, port };
}

function assign(config: DaemonConfig, setting: Setting, raw: unknown, where: string): void {
  if (setting.key === 'insecureRegistries') {
    const list = Array.isArray(raw) ? raw.map(String) : String(raw).split(',').map((item) => item.trim()).filter(Boolean);
    for (const item of list) if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(item)) throw new ConfigError(`${where}: "${item}" is not a registry host[:port]`);
    config.insecureRegistries = list;
    return;
  }
  if (setting.key === 'labels') {
    if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
      const text = Object.entries(raw as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`).join(',');
      config.labels = parseLabels(text, where);
    } else if (typeof raw === 'string') {
      config.labels = parseLabels(raw, where);
    } else {
      throw new ConfigError(`${where}: labels must be a map or "k=v,k2=v2"`);
    }
    return;
  }
  if (setting.key === 'rebalanceQuietMs') {
    config.rebalanceQuietMs = parseQuietPeriodMs(raw, where);
    return;
  }
  if (typeof raw !== 'string' && typeof raw !== 'number') throw new ConfigError(`${where}: expected a string`);
  const value = String(raw);
  if (value.length > 4096) throw new ConfigError(`${where}: value longer than 4096 characters`);
  if (setting.key === 'listenAddr') parseHostPort(value, where, { anyPort: true });
  if (setting.key === 'manager' && value !== '') parseHostPort(value, where);
  if (setting.key === 'gossipProfile') {
    if (!(gossipProfiles as readonly string[]).includes(value)) throw new ConfigError(`${where}: gossip profile "${value}" is not one of ${gossipProfiles.join(', ')}`);
    config.gossipProfile = value as GossipProfile;
    return;
  }
  config[setting.key] = value;
}

/** A duration such as "30s" or "500ms" (a YAML number is refused: its unit would be a guess). */
function parseQuietPeriodMs(raw: unknown, where: string): number {
  if (typeof raw !== 'string') throw new ConfigError(`${where}: expected a duration such as 30s or 500ms`);
  let ms: number;
  try {
    ms = parseDurationMs(raw);
  } catch (error) {
    throw new ConfigError(`${where}: ${(error as Error).message}`);
  }
  if (ms > rebalanceQuietMsLimit) throw new ConfigError(`${where}: ${raw} is too long; use at most ${rebalanceQuietMsLimit / 3_600_000}h`);
  return ms;
}

export async function readYamlSettings(path: string, required: boolean): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  if (text.length > 64 * 1024) throw new ConfigError(`${path}: larger than 64 KiB; is this the right file?`);
  let parsed: unknown;
  try {
    if (text.trim() === '') return {};
    const { parse: parseYaml } = await import('yaml');
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${path}: not valid YAML: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`${path}: expected a map of settings at the top level`);
  return parsed as Record<string, unknown>;
}

function applyYaml(config: DaemonConfig, values: Record<string, unknown>, path: string): void {
  for (const [name, raw] of Object.entries(values)) {
    const setting = settings.find((candidate) => candidate.yaml === name);
    if (!setting) {
      const known = settings.map((candidate) => candidate.yaml).join(', ');
      throw new ConfigError(`${path}: unknown setting "${name}" (known: ${known})`);
    }
    assign(config, setting, raw, `${path}: ${name}`);
  }
}

export interface LoadOptions {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Boot-partition files to look for; tests point this at fixtures. */
  bootConfigFiles?: readonly string[];
}

/** Builds the config from defaults, files, environment and flags (in rising priority). */
export async function loadConfig(options: LoadOptions): Promise<DaemonConfig> {
  const config = defaultConfig();
  const flags = parseFlags(options.argv);
  const explicitFile = flags.get('--config') ?? options.env.EDGED_CONFIG;
  const file = explicitFile ?? defaultConfigFile;
  const fileValues = await readYamlSettings(file, explicitFile !== undefined);
  if (fileValues) {
    applyYaml(config, fileValues, file);
    config.configFile = file;
  }
  for (const setting of settings) {
    const fromEnv = options.env[setting.env];
    if (fromEnv !== undefined && fromEnv !== '') assign(config, setting, fromEnv, `environment ${setting.env}`);
  }
  for (const setting of settings) {
    const fromFlag = flags.get(setting.flag);
    if (fromFlag !== undefined) assign(config, setting, fromFlag, `flag ${setting.flag}`);
  }
  await applyBootConfig(config, options.bootConfigFiles ?? defaultBootConfigFiles);
  return config;
}

/**
 * A flashed board carries its join token and labels on the boot partition
 * (see boards/README.md). They fill in what flags, environment and config
 * file left empty; an explicitly named file must exist and parse.
 */
async function applyBootConfig(config: DaemonConfig, candidates: readonly string[]): Promise<void> {
  const path = config.bootConfig || candidates.find((candidate) => existsSync(candidate));
  if (!path) return;
  let boot: BootConfig;
  try {
    const { readBootConfig } = await import('../boards/boot-config.js');
    boot = readBootConfig(path);
  } catch (error) {
    throw new ConfigError(`boot config ${path}: ${(error as Error).message}`);
  }
  config.bootConfigFile = path;
  if (!config.joinToken) config.joinToken = boot.token;
  config.labels = { ...boot.labels, ...config.labels };
}

const valueless = new Set(['--help', '-h', '--version', '--json']);

/** `--name value` and `--name=value`; unknown flags are an error naming the flag. */
export function parseFlags(argv: readonly string[]): Map<string, string> {
  const known = new Set([...settings.map((setting) => setting.flag), '--config', ...valueless]);
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-')) throw new ConfigError(`unexpected argument "${arg}"; see edged --help`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (!known.has(name)) throw new ConfigError(`unknown flag ${name}; see edged --help`);
    if (valueless.has(name)) {
      flags.set(name, 'true');
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new ConfigError(`flag ${name} needs a value`);
    flags.set(name, value);
  }
  return flags;
}

export function daemonHelp(): string {
  const lines = settings.map((s) => `  ${(s.flag + ' VALUE').padEnd(26)} ${s.help}\n  ${''.padEnd(26)} (env ${s.env}, file key ${s.yaml})`);
  return [
    'Usage: edged [flags]',
    '',
    'The edgectl agent: runs on every board, joins the cluster, runs its tasks.',
    '',
    'Flags (each also an environment variable and a key of the config file):',
    `  ${'--config PATH'.padEnd(26)} YAML config file (default ${defaultConfigFile}; env EDGED_CONFIG)`,
    ...lines,
    `  ${'--version'.padEnd(26)} print the version and exit`,
    `  ${'--help'.padEnd(26)} print this help`,
    '',
    `A flashed board also reads ${defaultBootConfigFiles.join(' or ')} (join token, hostname, labels).`,
  ].join('\n');
}
