/**
 * One Compose service → one ServiceSpec (deploy: is read by stack-deploy.ts).
 * Every reader records its own problems on the YamlValue it reads and
 * leaves the spec's default in place, so one pass reports every problem of
 * the service.
 */
import { defaultServiceSpec, type HealthCheck, type MountSpec, type PortPublish, type ServiceSpec } from '../store/services.js';
import { healthcheckKeys, portKeys, serviceKeys, serviceVolumeKeys } from './compose-keys.js';
import { checkImageReference } from './image.js';
import { checkEnvName, checkEnvValue, checkLabelKey, checkLabelValue, parseEnvEntry, parseLabelEntry } from './key-value.js';
import { commandArgsCountMax, envCountMax, healthIntervalMsMin, healthRetriesMax, labelsCountMax, mountsCountMax, portsCountMax } from './limits.js';
import { checkAbsolutePath, mountSource, parseShortVolume } from './mounts.js';
import { checkPublishMode, parsePortNumber, parseProtocol, parseShortPort, publishedKey } from './ports.js';
import { healthCheckDefaults, shellHealthCommand } from './service-defaults.js';
import { splitShellWords } from './shell-words.js';
import { readDeploy } from './stack-deploy.js';
import { readDuration } from './yaml-fields.js';
import type { YamlValue } from './yaml-value.js';

export interface StackContext {
  /** Prefix for service and volume names; null when deploying without a stack name. */
  stackName: string | null;
  /** Named volumes declared at the top level (names as written in the file). */
  declaredVolumes: ReadonlySet<string>;
}

/** "<stack>_<name>" as Docker names stack members, or the name alone. */
export function stackMemberName(stackName: string | null, name: string): string {
  return stackName === null ? name : `${stackName}_${name}`;
}

export function readService(name: string, value: YamlValue, context: StackContext): ServiceSpec {
  const spec = defaultServiceSpec(stackMemberName(context.stackName, name), '');
  const fields = value.fields(serviceKeys);
  if (fields === null) return spec;
  const image = fields.get('image');
  if (image === undefined) {
    value.report('EDGE_SPEC_MISSING_KEY', 'has no image; name the image to run, e.g. image: 127.0.0.1:5000/busybox:latest');
  } else {
    const text = image.string();
    if (text !== null) spec.image = image.parse(text, checkImageReference) ?? '';
  }
  const command = fields.get('command');
  if (command !== undefined) spec.command = readCommand(command) ?? [];
  const environment = fields.get('environment');
  if (environment !== undefined) spec.env = readKeyValues(environment, 'variable');
  const labels = fields.get('labels');
  if (labels !== undefined) spec.labels = readKeyValues(labels, 'label');
  const ports = fields.get('ports');
  if (ports !== undefined) spec.ports = readPorts(ports);
  const volumes = fields.get('volumes');
  if (volumes !== undefined) spec.mounts = readMounts(volumes, context);
  const healthcheck = fields.get('healthcheck');
  if (healthcheck !== undefined) spec.healthCheck = readHealthCheck(healthcheck);
  const deploy = fields.get('deploy');
  if (deploy !== undefined) readDeploy(deploy, spec);
  return spec;
}

/** A string is split like a shell would (quotes, no expansion); a list is taken as argv. */
function readCommand(value: YamlValue): string[] | null {
  if (value.kind === 'string') {
    const text = value.string();
    return text === null ? null : value.parse(text, splitShellWords);
  }
  if (value.kind !== 'list') return value.wrongType('a string or a list of strings');
  const items = value.items(commandArgsCountMax);
  if (items === null) return null;
  const argv = items.map((item) => item.text());
  return argv.every((arg): arg is string => arg !== null) ? argv : null;
}

/** environment: and labels: as a map, or as a list of "KEY=value". */
function readKeyValues(value: YamlValue, what: 'variable' | 'label'): Record<string, string> {
  const result: Record<string, string> = {};
  const countMax = what === 'variable' ? envCountMax : labelsCountMax;
  if (value.kind === 'list') {
    for (const item of value.items(countMax) ?? []) {
      const text = item.string();
      const entry = text === null ? null : item.parse(text, what === 'variable' ? parseEnvEntry : parseLabelEntry);
      if (entry === null) continue;
      if (Object.hasOwn(result, entry.key)) item.report('EDGE_SPEC_BAD_VALUE', `sets ${entry.key} a second time; keep one`);
      result[entry.key] = entry.value;
    }
    return result;
  }
  if (value.kind !== 'map') {
    value.wrongType(`a map or a list of KEY=value`);
    return result;
  }
  for (const { key, value: item } of value.entries(countMax) ?? []) {
    if (item.kind === 'null') {
      item.report('EDGE_SPEC_UNSUPPORTED_VALUE', 'has no value; edgectl does not copy variables from the deploying shell, so write the value');
      continue;
    }
    const text = item.text();
    const checkedKey = item.parse(key, what === 'variable' ? checkEnvName : checkLabelKey);
    const checkedValue = text === null || checkedKey === null ? null : item.parse(text, (raw) => (what === 'variable' ? checkEnvValue(key, raw) : checkLabelValue(key, raw)));
    if (checkedKey !== null && checkedValue !== null) result[checkedKey] = checkedValue;
  }
  return result;
}

function readPorts(value: YamlValue): PortPublish[] {
  const ports: PortPublish[] = [];
  const seen = new Set<string>();
  for (const item of value.items(portsCountMax) ?? []) {
    const port = item.kind === 'map' ? readLongPort(item) : readShortPort(item);
    if (port === null) continue;
    const key = publishedKey(port);
    if (seen.has(key)) {
      item.report('EDGE_SPEC_DUPLICATE_PORT', `publishes ${key} again; a node port can be bound by one publish only`);
      continue;
    }
    seen.add(key);
    ports.push(port);
  }
  return ports;
}

function readShortPort(item: YamlValue): PortPublish | null {
  const text = item.text();
  return text === null ? null : item.parse(text, parseShortPort);
}

function readLongPort(item: YamlValue): PortPublish | null {
  const fields = item.fields(portKeys);
  if (fields === null) return null;
  const mode = fields.get('mode');
  const modeText = mode?.string() ?? null;
  if (mode !== undefined && modeText !== null) mode.parse(modeText, checkPublishMode);
  const target = readPortField(item, fields.get('target'), 'target');
  const published = readPortField(item, fields.get('published'), 'published');
  const protocolValue = fields.get('protocol');
  const protocolText = protocolValue === undefined ? 'tcp' : protocolValue.string();
  const protocol = protocolValue === undefined || protocolText === null ? 'tcp' : protocolValue.parse(protocolText, parseProtocol);
  if (target === null || published === null || protocol === null) return null;
  return { published, target, protocol };
}

function readPortField(item: YamlValue, value: YamlValue | undefined, what: 'published' | 'target'): number | null {
  if (value === undefined) {
    const why = what === 'target' ? 'the port inside the container' : 'without a routing mesh edgectl needs the port to open on the node';
    return item.report('EDGE_SPEC_MISSING_KEY', `has no ${what} (${why})`);
  }
  const text = value.text();
  return text === null ? null : value.parse(text, (raw) => parsePortNumber(raw, what));
}

function readMounts(value: YamlValue, context: StackContext): MountSpec[] {
  const mounts: MountSpec[] = [];
  for (const item of value.items(mountsCountMax) ?? []) {
    let mount: MountSpec | null;
    if (item.kind === 'map') mount = readLongMount(item);
    else {
      const text = item.string();
      mount = text === null ? null : item.parse(text, parseShortVolume);
    }
    if (mount === null) continue;
    if (mount.type === 'volume') {
      if (!context.declaredVolumes.has(mount.source)) {
        item.report('EDGE_SPEC_UNDECLARED_VOLUME', `uses the volume "${mount.source}", which is not declared; add it under the top-level volumes`);
        continue;
      }
      mount.source = stackMemberName(context.stackName, mount.source);
    }
    if (mounts.some((other) => other.target === mount.target)) {
      item.report('EDGE_SPEC_BAD_MOUNT', `mounts onto ${mount.target} again; each target takes one mount`);
      continue;
    }
    mounts.push(mount);
  }
  return mounts;
}

function readLongMount(item: YamlValue): MountSpec | null {
  const fields = item.fields(serviceVolumeKeys);
  if (fields === null) return null;
  const typeValue = fields.get('type');
  const type = typeValue?.string();
  if (typeValue !== undefined && type !== null && type !== 'bind' && type !== 'volume') {
    const unsupported = type === 'tmpfs' || type === 'npipe' || type === 'cluster' || type === 'image';
    typeValue.report(unsupported ? 'EDGE_SPEC_UNSUPPORTED_VALUE' : 'EDGE_SPEC_BAD_MOUNT', `is "${type}"; edgectl mounts are bind or volume`);
    return null;
  }
  const sourceValue = fields.get('source');
  const targetValue = fields.get('target');
  if (sourceValue === undefined) return item.report('EDGE_SPEC_MISSING_KEY', 'has no source (a path on the node, or a declared volume); edgectl does not create anonymous volumes');
  if (targetValue === undefined) return item.report('EDGE_SPEC_MISSING_KEY', 'has no target (where it appears in the container)');
  const sourceText = sourceValue.string();
  const source = sourceText === null ? null : sourceValue.parse(sourceText, mountSource);
  const targetText = targetValue.string();
  const target = targetText === null ? null : targetValue.parse(targetText, (text) => checkAbsolutePath(text, 'target'));
  const readOnlyValue = fields.get('read_only');
  const readOnly = readOnlyValue === undefined ? false : readOnlyValue.boolean();
  if (source === null || target === null || readOnly === null) return null;
  if (type !== undefined && type !== null && type !== source.type) {
    const expected = type === 'bind' ? 'an absolute path' : 'a volume name';
    return sourceValue.report('EDGE_SPEC_BAD_MOUNT', `must be ${expected} for type ${type}`);
  }
  return { type: source.type, source: source.source, target, readOnly };
}

function readHealthCheck(value: YamlValue): HealthCheck | null {
  const fields = value.fields(healthcheckKeys);
  if (fields === null) return null;
  const disable = fields.get('disable');
  const disabled = disable === undefined ? false : disable.boolean();
  if (disable !== undefined) fields.delete('disable');
  if (disabled === true) {
    if (fields.size > 0) disable?.report('EDGE_SPEC_BAD_VALUE', 'is true while other healthcheck keys are set; remove them or remove disable');
    return null;
  }
  const test = fields.get('test');
  if (test === undefined) {
    return value.report('EDGE_SPEC_MISSING_KEY', 'has no test; edgectl does not take health checks from images, so write test: ["CMD", "program", "arg"]');
  }
  const command = readHealthTest(test);
  if (command === 'none') {
    if (fields.size > 1) test.report('EDGE_SPEC_BAD_VALUE', 'is NONE (no check) while timings are set; remove them or give a test');
    return null;
  }
  const check: HealthCheck = { command: command ?? [], ...healthCheckDefaults };
  check.intervalMs = readDuration(fields.get('interval'), healthIntervalMsMin) ?? check.intervalMs;
  check.timeoutMs = readDuration(fields.get('timeout'), 1) ?? check.timeoutMs;
  check.startPeriodMs = readDuration(fields.get('start_period'), 0) ?? check.startPeriodMs;
  check.retries = fields.get('retries')?.integer({ min: 1, max: healthRetriesMax }) ?? check.retries;
  return check;
}

/** test: as a string (run by /bin/sh), ["CMD", …], ["CMD-SHELL", "…"] or ["NONE"]. */
function readHealthTest(test: YamlValue): string[] | 'none' | null {
  if (test.kind === 'string') {
    const script = test.string();
    return script === null ? null : shellHealthCommand(script);
  }
  if (test.kind !== 'list') return test.wrongType('a string or a list starting with CMD, CMD-SHELL or NONE');
  const parts = (test.items(commandArgsCountMax) ?? []).map((item) => item.text());
  if (!parts.every((part): part is string => part !== null)) return null;
  const [kind, ...rest] = parts;
  if (kind === 'NONE' && rest.length === 0) return 'none';
  if (kind === 'CMD' && rest.length > 0) return rest;
  if (kind === 'CMD-SHELL' && rest.length === 1) return shellHealthCommand(rest[0] ?? '');
  return test.report('EDGE_SPEC_BAD_VALUE', 'must be ["CMD", program, args…], ["CMD-SHELL", "one shell line"] or ["NONE"]');
}
