import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatBytes, formatDuration, parseConstraint, parseDurationMs, parseMemoryBytes, splitShellWords } from '../../runtime/spec/index.js';
import { parsePlacementPreference } from '../../runtime/spec/constraint.js';
import { parseMountFlag, parseShortVolume } from '../../runtime/spec/mounts.js';
import { parsePublishFlag, parseShortPort } from '../../runtime/spec/ports.js';
import { specErrorOf } from './helpers.js';

test('durations: Go syntax in whole milliseconds', () => {
  // Proves the accepted duration forms and their conversion to ms.
  const cases: Array<[string, number]> = [['0', 0], ['1m30s', 90_000], ['1.5s', 1500], ['500ms', 500], ['2h', 7_200_000], ['2000us', 2], ['10s', 10_000], ['1h1m1s1ms', 3_661_001]];
  for (const [text, ms] of cases) assert.is(parseDurationMs(text), ms, text);
  assert.is(formatDuration(90_000), '1m30s');
  assert.is(formatDuration(1500), '1.5s');
  assert.is(formatDuration(250), '250ms');
});

test('durations: refused forms say why', () => {
  // Proves negative, unit-less, sub-millisecond, unknown-unit and huge durations are errors with the duration code.
  for (const text of ['-5s', '30', 'soon', '1x', '1001us', '1.0000000001s', '9999h', '']) {
    const error = specErrorOf(() => parseDurationMs(text));
    assert.is(error.code, 'EDGE_SPEC_BAD_DURATION', text);
  }
  assert.match(specErrorOf(() => parseDurationMs('30')).message, /did you mean 30s\?/);
});

test('memory: Docker units are binary, with or without "i" and "b"', () => {
  // Proves 512M, 1g, 1.5GiB and friends, and that 0 means no limit.
  const MiB = 2 ** 20;
  const cases: Array<[string, number]> = [['512M', 512 * MiB], ['512m', 512 * MiB], ['512MB', 512 * MiB], ['512MiB', 512 * MiB], ['1g', 2 ** 30], ['1.5GiB', 1.5 * 2 ** 30], ['8192k', 8 * MiB], ['6291456', 6 * MiB], ['0', 0], ['64 M', 64 * MiB]];
  for (const [text, bytes] of cases) assert.is(parseMemoryBytes(text), bytes, text);
  for (const text of ['lots', '5M', '2T', '1e9', '-1M', '12 MB extra']) assert.is(specErrorOf(() => parseMemoryBytes(text)).code, 'EDGE_SPEC_BAD_MEMORY', text);
  assert.is(formatBytes(6 * MiB), '6MiB');
  assert.is(formatBytes(1536), '1.5KiB');
});

test('shell words: quotes and escapes like a POSIX shell, nothing more', () => {
  // Proves simple quoting works and shell operators stay literal words.
  assert.equal(splitShellWords(`sh -c 'echo "a b"; exit 1'`), ['sh', '-c', 'echo "a b"; exit 1']);
  assert.equal(splitShellWords(`a "b \\"c\\" d" e\\ f  'g'h ""`), ['a', 'b "c" d', 'e f', 'gh', '']);
  assert.equal(splitShellWords('a | b > c'), ['a', '|', 'b', '>', 'c']);
  assert.equal(splitShellWords('  '), []);
  assert.is(specErrorOf(() => splitShellWords(`echo 'unclosed`)).code, 'EDGE_SPEC_BAD_COMMAND');
  assert.is(specErrorOf(() => splitShellWords('echo \\')).code, 'EDGE_SPEC_BAD_COMMAND');
});

test('constraints: fields, operators, spaces and refusals', () => {
  // Proves the constraint grammar and that engine labels and unknown fields are refused.
  assert.equal(parseConstraint('node.labels.zone==b'), { field: 'node.labels.zone', operator: '==', value: 'b' });
  assert.equal(parseConstraint(' node.role != manager '), { field: 'node.role', operator: '!=', value: 'manager' });
  assert.equal(parseConstraint('node.platform.arch==aarch64'), { field: 'node.platform.arch', operator: '==', value: 'aarch64' });
  assert.equal(parseConstraint('node.board==pi4b'), { field: 'node.board', operator: '==', value: 'pi4b' });
  for (const text of ['node.labels.zone=b', 'node.labels.zone==', 'engine.labels.os==linux', 'node.colour==red', 'node.role==boss', 'node.labels.a==x y']) {
    assert.is(specErrorOf(() => parseConstraint(text)).code, 'EDGE_SPEC_BAD_CONSTRAINT', text);
  }
  assert.is(parsePlacementPreference('spread=node.labels.rack'), 'node.labels.rack');
  assert.is(specErrorOf(() => parsePlacementPreference('spread=node.hostname')).code, 'EDGE_SPEC_BAD_CONSTRAINT');
  assert.is(specErrorOf(() => parsePlacementPreference('pack=node.labels.x')).code, 'EDGE_SPEC_BAD_CONSTRAINT');
});

test('ports: short and field forms, and what host mode cannot do', () => {
  // Proves both publish syntaxes and the refusals (ingress, no published port, bad protocol).
  assert.equal(parseShortPort('8080:80'), { published: 8080, target: 80, protocol: 'tcp' });
  assert.equal(parseShortPort('5353:53/udp'), { published: 5353, target: 53, protocol: 'udp' });
  assert.equal(parsePublishFlag('published=8080,target=80,protocol=udp,mode=host'), { published: 8080, target: 80, protocol: 'udp' });
  assert.equal(parsePublishFlag('8080:80'), { published: 8080, target: 80, protocol: 'tcp' });
  assert.is(specErrorOf(() => parsePublishFlag('published=8080,target=80,mode=ingress')).code, 'EDGE_SPEC_UNSUPPORTED_VALUE');
  assert.is(specErrorOf(() => parsePublishFlag('target=80')).code, 'EDGE_SPEC_BAD_PORT');
  assert.is(specErrorOf(() => parsePublishFlag('published=8080,target=80,colour=red')).code, 'EDGE_SPEC_BAD_PORT');
  assert.is(specErrorOf(() => parseShortPort('0:80')).code, 'EDGE_SPEC_BAD_PORT');
  assert.is(specErrorOf(() => parseShortPort('8080:80/icmp')).code, 'EDGE_SPEC_BAD_PORT');
});

test('mounts: short volume syntax and the --mount field syntax', () => {
  // Proves bind vs volume detection, readonly forms, and refusal of unsupported mount kinds and unsafe paths.
  assert.equal(parseShortVolume('/srv:/data:ro'), { type: 'bind', source: '/srv', target: '/data', readOnly: true });
  assert.equal(parseShortVolume('cache:/cache'), { type: 'volume', source: 'cache', target: '/cache', readOnly: false });
  assert.equal(parseMountFlag('type=bind,source=/srv,target=/data,readonly'), { type: 'bind', source: '/srv', target: '/data', readOnly: true });
  assert.equal(parseMountFlag('src=vol,dst=/v,ro=false'), { type: 'volume', source: 'vol', target: '/v', readOnly: false });
  assert.is(specErrorOf(() => parseMountFlag('type=tmpfs,target=/t')).code, 'EDGE_SPEC_UNSUPPORTED_VALUE');
  assert.is(specErrorOf(() => parseMountFlag('type=volume,source=v,target=/v,volume-driver=nfs')).code, 'EDGE_SPEC_UNSUPPORTED_VALUE');
  assert.is(specErrorOf(() => parseMountFlag('type=bind,source=relative,target=/v')).code, 'EDGE_SPEC_BAD_MOUNT');
  assert.is(specErrorOf(() => parseMountFlag('type=bind,source=/a/../etc,target=/v')).code, 'EDGE_SPEC_BAD_MOUNT');
  assert.is(specErrorOf(() => parseMountFlag('type=bind,source=/a,target=/')).code, 'EDGE_SPEC_BAD_MOUNT');
  assert.is(specErrorOf(() => parseMountFlag('source=v')).code, 'EDGE_SPEC_BAD_MOUNT');
});

test.run();
