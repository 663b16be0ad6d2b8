// Proves detection picks the right board, RAM variant, cores and allocatable memory from each fixture /proc tree, and falls back or fails as documented.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isEdgeError } from '../../runtime/common/errors.js';
import { detectBoard, detectHostBoard, formatMemoryLabel } from '../../runtime/boards/detect.js';
import { builtinProfile } from '../../runtime/boards/profiles.js';
import { countProcessors, parseDeviceTreeString, parseMemTotalBytes, readSystemFacts } from '../../runtime/boards/system-facts.js';

const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const MIB = 1024 * 1024;

// fixture directory → [board id, nominal RAM label, cores, MemTotal in kB as written in the fixture]
const cases: Array<[string, string, string, number, number]> = [
  ['pi3bplus-1gb', 'pi3bplus', '1GiB', 4, 944268],
  ['pizero2w-512mb', 'pizero2w', '512MiB', 4, 427812],
  ['pi4b-1gb', 'pi4b', '1GiB', 4, 944136],
  ['pi4b-2gb', 'pi4b', '2GiB', 4, 1919472],
  ['pi4b-4gb', 'pi4b', '4GiB', 4, 3884360],
  ['pi4b-8gb', 'pi4b', '8GiB', 4, 7998232],
  ['pi5-2gb', 'pi5', '2GiB', 4, 2057120],
  ['pi5-4gb', 'pi5', '4GiB', 4, 4143120],
  ['pi5-8gb', 'pi5', '8GiB', 4, 8245360],
  ['pi5-16gb', 'pi5', '16GiB', 4, 16608112],
  ['cm4-1gb', 'cm4', '1GiB', 4, 944136],
  ['cm4-2gb', 'cm4', '2GiB', 4, 1919472],
  ['cm4-4gb', 'cm4', '4GiB', 4, 3884360],
  ['cm4-8gb', 'cm4', '8GiB', 4, 7998232],
  ['rockpro64-4gb', 'generic-arm64', '4GiB', 6, 3969880],
];

for (const [fixture, board, memory, cores, memTotalKiB] of cases) {
  test(`${fixture} is detected as ${board} with ${memory}`, () => {
    const detected = detectHostBoard({ rootDir: `${fixtures}${fixture}`, arch: 'arm64' });
    const profile = builtinProfile(board);
    assert.is(detected.board, board);
    assert.is(detected.labels.memory, memory);
    assert.equal(detected.labels, { board, arch: 'arm64', memory });
    assert.is(detected.cores, cores);
    assert.is(detected.memoryBytes, memTotalKiB * 1024);
    assert.ok(detected.nominalMemoryBytes >= detected.memoryBytes, 'MemTotal never exceeds the variant');
    const expected = memTotalKiB * 1024 - (profile.osReservedMiB + profile.agentBudgetMiB) * MIB;
    assert.is(detected.allocatableMemoryBytes, expected);
    assert.is(detected.matchedBy, board.startsWith('generic') ? 'arch-fallback' : 'device-tree-model');
  });
}

test('a Pi 4 with 4 GB leaves 3 675 594 752 bytes for containers', () => {
  // 3884360 KiB − 192 MiB OS − 96 MiB agent, worked by hand.
  assert.is(detectHostBoard({ rootDir: `${fixtures}pi4b-4gb`, arch: 'arm64' }).allocatableMemoryBytes, 3_675_594_752);
});

test('the device-tree model keeps its text and loses the trailing NUL', () => {
  assert.is(readSystemFacts({ rootDir: `${fixtures}pi4b-8gb`, arch: 'arm64' }).model, 'Raspberry Pi 4 Model B Rev 1.5');
  assert.is(parseDeviceTreeString('Raspberry Pi 5 Model B Rev 1.0\0'), 'Raspberry Pi 5 Model B Rev 1.0');
  assert.is(parseDeviceTreeString('\0'), null);
});

test('an x86_64 workstation without a device tree gets the x86_64-dev profile', () => {
  const detected = detectHostBoard({ rootDir: `${fixtures}x86_64-workstation`, arch: 'x64' });
  assert.equal([detected.board, detected.model, detected.cores, detected.labels.memory], ['x86_64-dev', null, 8, '32GiB']);
});

test('arm64 under qemu-user (host /proc, no device tree) falls back to generic-arm64', () => {
  const detected = detectHostBoard({ rootDir: `${fixtures}x86_64-workstation`, arch: 'arm64' });
  assert.equal([detected.board, detected.matchedBy, detected.cores], ['generic-arm64', 'arch-fallback', 8]);
});

test('a Pi 4 running a 32-bit userland is told to flash the 64-bit image', () => {
  try {
    detectHostBoard({ rootDir: `${fixtures}pi4b-4gb`, arch: 'arm' });
    assert.unreachable('arm is not supported on a Pi 4 profile');
  } catch (error) {
    assert.ok(isEdgeError(error, 'EDGE_BOARD_ARCH_MISMATCH'), String(error));
    assert.match((error as Error).message, '64-bit');
  }
});

test('an architecture without a fallback profile is a clear error', () => {
  try {
    detectBoard({ model: null, memoryBytes: 1024 * MIB, cores: 4, arch: 'riscv64' });
    assert.unreachable('riscv64 has no profile');
  } catch (error) {
    assert.ok(isEdgeError(error, 'EDGE_BOARD_ARCH_UNSUPPORTED'), String(error));
    assert.match((error as Error).message, 'arm64');
  }
});

test('a missing /proc/meminfo names the path', () => {
  try {
    detectHostBoard({ rootDir: `${fixtures}does-not-exist`, arch: 'arm64' });
    assert.unreachable('no meminfo');
  } catch (error) {
    assert.ok(isEdgeError(error, 'EDGE_BOARD_FACTS_UNREADABLE'), String(error));
    assert.match((error as Error).message, 'proc/meminfo');
  }
});

test('allocatable memory never goes below zero', () => {
  const detected = detectBoard({ model: 'Raspberry Pi Zero 2 W Rev 1.0', memoryBytes: 100 * MIB, cores: null, arch: 'arm64' });
  assert.is(detected.allocatableMemoryBytes, 0);
  assert.is(detected.cores, 4, 'profile cores stand in when cpuinfo lists none');
});

test('a MemTotal above the largest variant reports the rounded real size', () => {
  const detected = detectBoard({ model: 'Raspberry Pi 4 Model B Rev 1.5', memoryBytes: 15_900 * MIB, cores: 4, arch: 'arm64' });
  assert.is(detected.labels.memory, '16GiB');
});

test('parsers read kernel text', () => {
  assert.is(parseMemTotalBytes('MemFree: 1 kB\nMemTotal:        3884360 kB\n'), 3884360 * 1024);
  assert.is(parseMemTotalBytes('MemTotal: lots\n'), null);
  assert.is(countProcessors('processor\t: 0\nfoo\t: 1\n\nprocessor\t: 1\n'), 2);
  assert.is(countProcessors('Hardware\t: BCM2835\n'), null);
  assert.is(formatMemoryLabel(512 * MIB), '512MiB');
  assert.is(formatMemoryLabel(1536 * MIB), '1536MiB');
});

test.run();
