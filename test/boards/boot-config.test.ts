// Proves edgectl.yaml round-trips, and that bad tokens, hostname patterns and labels are rejected naming the file and field.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isEdgeError } from '../../runtime/common/errors.js';
import {
  bootConfigPath,
  expandHostnamePattern,
  hostnamePatternProblem,
  parseBootConfig,
  renderBootConfig,
  validateBootConfig,
} from '../../runtime/boards/boot-config.js';
import { parseJoinTokenFormat } from '../../runtime/boards/join-token.js';
import { builtinProfile } from '../../runtime/boards/profiles.js';

const digest = 'a3'.repeat(32);
const token = `EDGE1-${digest}-s3cr3tS3cr3tS3cr3t`;

function rejected(code: string, action: () => unknown): string {
  try {
    action();
  } catch (error) {
    assert.ok(isEdgeError(error, code), `expected ${code}, got ${String(error)}`);
    return (error as Error).message;
  }
  throw new Error(`expected ${code}`);
}

test('a rendered config parses back to the same values', () => {
  const config = { version: 1 as const, token, hostnamePattern: '{board}-{serial}', labels: { zone: 'shelf-2', 'rack.slot': '7' } };
  const text = renderBootConfig(config);
  assert.equal(parseBootConfig(text, 'edgectl.yaml'), config);
  assert.match(text, 'hostnamePattern: "{board}-{serial}"\n');
});

test('defaults: hostname pattern edge-{serial}, no labels', () => {
  const config = parseBootConfig(`version: 1\ntoken: ${token}\n`, 'edgectl.yaml');
  assert.equal([config.hostnamePattern, config.labels], ['edge-{serial}', {}]);
});

test('token format errors say which part is wrong and never echo the secret', () => {
  const source = '--token';
  assert.match(rejected('EDGE_JOIN_TOKEN_MALFORMED', () => parseJoinTokenFormat(`EDGE2-${digest}-s3cr3tS3cr3tS3cr3t`, source)), 'must start with "EDGE1-"');
  assert.match(rejected('EDGE_JOIN_TOKEN_MALFORMED', () => parseJoinTokenFormat(`EDGE1-${digest.slice(2)}-s3cr3tS3cr3tS3cr3t`, source)), '62 characters');
  assert.match(rejected('EDGE_JOIN_TOKEN_MALFORMED', () => parseJoinTokenFormat(`EDGE1-${digest}-short`, source)), 'at least 16');
  const message = rejected('EDGE_JOIN_TOKEN_MALFORMED', () => parseJoinTokenFormat(`EDGE1-${digest}-s3cr3t_S3cr3tS3cr3t`, source));
  assert.match(message, 'other than A-Z');
  assert.not.match(message, 's3cr3t');
  assert.match(rejected('EDGE_JOIN_TOKEN_MALFORMED', () => parseJoinTokenFormat('EDGE1-nodashes', source)), 'three parts');
  assert.equal(parseJoinTokenFormat(token, source), { caDigestHex: digest, secret: 's3cr3tS3cr3tS3cr3t' });
});

test('a bad field in edgectl.yaml is named with the file', () => {
  const message = rejected('EDGE_BOOT_CONFIG_INVALID', () => parseBootConfig(`version: 1\ntoken: ${token}\nhostname: x\n`, '/boot/firmware/edgectl.yaml'));
  assert.match(message, '/boot/firmware/edgectl.yaml');
  assert.match(message, '"hostname"');
  assert.match(rejected('EDGE_BOOT_CONFIG_INVALID', () => parseBootConfig(`version: 2\ntoken: ${token}\n`, 'f')), '"version"');
  assert.match(rejected('EDGE_BOOT_CONFIG_INVALID', () => parseBootConfig('version: 1\n', 'f')), '"token"');
  assert.match(rejected('EDGE_BOOT_CONFIG_INVALID', () => parseBootConfig('version: [1\n', 'f')), 'not valid YAML');
  assert.match(rejected('EDGE_JOIN_TOKEN_MALFORMED', () => parseBootConfig('version: 1\ntoken: EDGE1-x-y\n', 'f')), 'field "token"');
  assert.match(rejected('EDGE_BOOT_CONFIG_INVALID', () => validateBootConfig({ version: 1, token, labels: { board: 'pi9' } }, 'f')), 'set by board detection');
  assert.match(rejected('EDGE_BOOT_CONFIG_INVALID', () => validateBootConfig({ version: 1, token, labels: { 'Bad Key': 'x' } }, 'f')), '"labels.Bad Key"');
  assert.match(rejected('EDGE_BOOT_CONFIG_INVALID', () => validateBootConfig({ version: 1, token, labels: { zone: 'a b' } }, 'f')), '"labels.zone"');
});

test('hostname patterns must make unique, valid hostnames', () => {
  assert.is(hostnamePatternProblem('edge-{serial}'), null);
  assert.is(hostnamePatternProblem('{board}-{serial}'), null);
  assert.match(hostnamePatternProblem('edge-node') ?? '', 'must contain {serial}');
  assert.match(hostnamePatternProblem('Edge-{serial}') ?? '', 'a-z, 0-9');
  assert.match(hostnamePatternProblem('edge-{mac}-{serial}') ?? '', 'placeholder other than');
  assert.match(hostnamePatternProblem(`${'x'.repeat(60)}-{serial}`) ?? '', 'at most 63');
  assert.match(hostnamePatternProblem('-{serial}') ?? '', 'start or end');
  assert.match(rejected('EDGE_BOOT_CONFIG_INVALID', () => validateBootConfig({ version: 1, token, hostnamePattern: 'raspberrypi' }, 'f')), '"hostnamePattern"');
});

test('{serial} keeps the last 8 hex digits, lower-case', () => {
  assert.is(expandHostnamePattern('edge-{serial}', { serial: '10000000A3B5C7D9', board: 'pi4b' }), 'edge-a3b5c7d9');
  assert.is(expandHostnamePattern('{board}-{serial}', { serial: '9d1c0a3e5f2b4817', board: 'pi5' }), 'pi5-5f2b4817');
});

test('edged finds the boot config under the board boot partition path', () => {
  assert.is(bootConfigPath(builtinProfile('pi4b')), '/boot/firmware/edgectl.yaml');
  assert.is(bootConfigPath(builtinProfile('generic-arm64')), '/boot/edgectl.yaml');
});

test.run();
