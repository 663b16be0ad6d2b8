// Proves every file in boards/ passes the schema, the bundled list equals the files, and bad profiles fail naming file and field.
import { readdirSync, readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isEdgeError } from '../../runtime/common/errors.js';
import { loadProfileDirectory, loadProfileFile } from '../../runtime/boards/profile-files.js';
import { findProfile, validateProfileSet } from '../../runtime/boards/profile-set.js';
import { validateProfile } from '../../runtime/boards/profile.js';
import { BUNDLED_PROFILE_FILES, builtinProfiles } from '../../runtime/boards/profiles.js';

const boardsDir = new URL('../../boards/', import.meta.url).pathname;
const pi4b = JSON.parse(readFileSync(join(boardsDir, 'pi4b.json'), 'utf8')) as Record<string, unknown>;

/** Runs `action`, expects EDGE_BOARD_PROFILE_INVALID, returns the message. */
function invalid(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    assert.ok(isEdgeError(error, 'EDGE_BOARD_PROFILE_INVALID'), `expected EDGE_BOARD_PROFILE_INVALID, got ${String(error)}`);
    return (error as Error).message;
  }
  throw new Error('expected the profile to be rejected');
}

test('every file in boards/ loads and the set is consistent', () => {
  const profiles = loadProfileDirectory(boardsDir);
  assert.equal(profiles.map((p) => p.id).sort(), ['cm4', 'generic-arm64', 'pi3bplus', 'pi4b', 'pi5', 'pizero2w', 'x86_64-dev']);
});

test('the bundled list is exactly the files on disk, byte for byte after parsing', () => {
  const files = readdirSync(boardsDir).filter((name) => name.endsWith('.json')).sort();
  assert.equal(Object.keys(BUNDLED_PROFILE_FILES).sort(), files);
  for (const file of files) assert.equal(BUNDLED_PROFILE_FILES[file], JSON.parse(readFileSync(join(boardsDir, file), 'utf8')), file);
  assert.equal(builtinProfiles(), loadProfileDirectory(boardsDir));
});

test('profiles carry the published hardware facts', () => {
  const profiles = builtinProfiles();
  const facts = (id: string) => findProfile(id, profiles);
  assert.equal([facts('pi3bplus').ramSizesMiB, facts('pi3bplus').cores], [[1024], 4]);
  assert.equal([facts('pizero2w').ramSizesMiB, facts('pizero2w').cores], [[512], 4]);
  assert.equal(facts('pi4b').ramSizesMiB, [1024, 2048, 4096, 8192]);
  assert.equal(facts('pi5').ramSizesMiB, [2048, 4096, 8192, 16384]);
  assert.equal(facts('cm4').storage[0], 'emmc');
  assert.equal(facts('x86_64-dev').arch, 'x64');
  for (const profile of profiles) {
    if (profile.arch === 'arm64') assert.ok(profile.cgroupBootParams.includes('cgroup_memory=1'), profile.id);
  }
});

test('a wrong field is named with its file', () => {
  const message = invalid(() => validateProfile({ ...pi4b, cores: 0 }, 'boards/pi4b.json'));
  assert.match(message, 'boards/pi4b.json');
  assert.match(message, '"cores"');
  assert.match(invalid(() => validateProfile({ ...pi4b, ramSizesMiB: [2048, 1024] }, 'x.json')), '"ramSizesMiB[1]"');
  assert.match(invalid(() => validateProfile({ ...pi4b, arch: 'armhf' }, 'x.json')), '"arch"');
  assert.match(invalid(() => validateProfile({ ...pi4b, ramSize: [1] }, 'x.json')), '"ramSize" is not a profile field');
  assert.match(invalid(() => validateProfile({ ...pi4b, storage: ['usb'] }, 'x.json')), '"storage[0]"');
  assert.match(invalid(() => validateProfile({ ...pi4b, modelPatterns: ['Raspberry Pi 4'] }, 'x.json')), 'must start with "^"');
  assert.match(invalid(() => validateProfile({ ...pi4b, modelPatterns: ['^(Raspberry'] }, 'x.json')), 'not a valid regular expression');
  assert.match(invalid(() => validateProfile({ ...pi4b, modelExamples: ['Raspberry Pi 5 Model B Rev 1.0'] }, 'x.json')), '"modelExamples[0]"');
  assert.match(invalid(() => validateProfile({ ...pi4b, cgroupBootParams: ['cgroup_enable=memory cgroup_memory=1'] }, 'x.json')), '"cgroupBootParams[0]"');
  assert.match(invalid(() => validateProfile('nope', 'x.json')), '"(root)"');
});

test('heap caps must fit inside the agent budget', () => {
  assert.match(invalid(() => validateProfile({ ...pi4b, v8Flags: ['--max-semi-space-size=2'] }, 'x.json')), 'must include --max-old-space-size');
  const message = invalid(() => validateProfile({ ...pi4b, v8Flags: ['--max-old-space-size=90', '--max-semi-space-size=2'] }, 'x.json'));
  assert.match(message, 'exceed agentBudgetMiB (96)');
  assert.match(invalid(() => validateProfile({ ...pi4b, v8Flags: ['--max-old-space-size=56', '--expose gc'] }, 'x.json')), '"v8Flags[1]"');
  // The OS and the agent may not eat half of the smallest variant.
  assert.match(invalid(() => validateProfile({ ...pi4b, osReservedMiB: 500 }, 'x.json')), 'half the smallest RAM size');
});

test('set rules: unique ids, one fallback per arch, disjoint patterns, id matches file', () => {
  const profile = validateProfile(pi4b, 'a/pi4b.json');
  assert.match(invalid(() => validateProfileSet([{ source: 'a/pi4b.json', profile }, { source: 'b/pi4b.json', profile: { ...profile } }])), 'already used by a/pi4b.json');
  const generic = findProfile('generic-arm64', builtinProfiles());
  const second = { ...generic, id: 'other-generic' };
  assert.match(invalid(() => validateProfileSet([{ source: 'g.json', profile: generic }, { source: 'o.json', profile: second }])), '"fallbackForArch"');
  const greedy = validateProfile({ ...pi4b, id: 'greedy', modelPatterns: ['^Raspberry Pi '], modelExamples: ['Raspberry Pi 400 Rev 1.0'] }, 'greedy.json');
  assert.match(invalid(() => validateProfileSet([{ source: 'a/pi4b.json', profile }, { source: 'greedy.json', profile: greedy }])), 'also matched by greedy.json');
  const dir = mkdtempSync(join(tmpdir(), 'edge-profiles-'));
  try {
    writeFileSync(join(dir, 'pi4.json'), JSON.stringify(pi4b));
    assert.match(invalid(() => loadProfileFile(join(dir, 'pi4.json'))), 'file is named pi4.json');
    writeFileSync(join(dir, 'broken.json'), '{"id": ');
    assert.match(invalid(() => loadProfileFile(join(dir, 'broken.json'))), 'broken.json');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown board id lists the known ones', () => {
  try {
    findProfile('pi6', builtinProfiles());
    assert.unreachable('pi6 does not exist');
  } catch (error) {
    assert.ok(isEdgeError(error, 'EDGE_BOARD_UNKNOWN'));
    assert.match((error as Error).message, 'pi4b');
  }
});

test.run();
