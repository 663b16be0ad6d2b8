/**
 * parseStack: a Compose file (the subset README.md lists) → the services and
 * volumes of a stack. Pure: it takes the file's text. Every problem in the
 * file is collected, each with file:line and the key's path, and reported
 * together in one SpecProblemsError; a stack is returned only when there is
 * no problem at all, so nothing is ever deployed from a half-understood file.
 */
import { LineCounter, parseDocument } from 'yaml';
import { assert } from '../common/assert.js';
import type { ServiceSpec } from '../store/services.js';
import { topLevelKeys, topLevelVolumeKeys } from './compose-keys.js';
import { SpecError } from './errors.js';
import { stackFileBytesMax, stackServicesCountMax, stackVolumesCountMax } from './limits.js';
import { checkVolumeName } from './mounts.js';
import { checkServiceName, checkStackName } from './names.js';
import { nowhere, ProblemList } from './problem-list.js';
import { readService, stackMemberName, type StackContext } from './stack-service.js';
import { checkServiceSpec } from './validate.js';
import { YamlSource, YamlTooLarge, type YamlValue } from './yaml-value.js';

/** Label put on every service of a named stack, so its members can be found again (Docker uses com.docker.stack.namespace). */
export const stackNamespaceLabel = 'edgectl.stack.namespace';

export interface StackVolume {
  /** Name on the nodes: "<stack>_<name>" when a stack name is given. */
  name: string;
  driver: 'local';
}

export interface StackSpec {
  stackName: string | null;
  /** In file order; names are "<stack>_<service>" when a stack name is given. */
  services: ServiceSpec[];
  volumes: StackVolume[];
}

export interface ParseStackOptions {
  /** Named in every problem ("stack.yml:14: …"). */
  fileName: string;
  /** Prefixes service and volume names and sets stackNamespaceLabel. */
  stackName?: string;
}

export function parseStack(text: string, options: ParseStackOptions): StackSpec {
  const { fileName } = options;
  const problems = new ProblemList();
  const stackName = options.stackName ?? null;
  if (stackName !== null) {
    try {
      checkStackName(stackName);
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      problems.addError(error, nowhere, 'stack name');
    }
  }
  if (Buffer.byteLength(text) > stackFileBytesMax) {
    problems.add({ code: 'EDGE_SPEC_TOO_LARGE', where: null, line: null, path: '', message: `${fileName} is larger than ${stackFileBytesMax} bytes; a stack file is a few KiB` });
  }
  problems.throwIfAny(fileName);
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: true });
  for (const issue of [...document.errors, ...document.warnings]) {
    const line = lineCounter.linePos(issue.pos[0]).line;
    problems.add({ code: 'EDGE_SPEC_BAD_YAML', where: `${fileName}:${line}`, line, path: '', message: `the YAML is not valid: ${issue.message.split('\n')[0] ?? ''}` });
  }
  problems.throwIfAny(fileName);
  const source = new YamlSource(fileName, document, lineCounter, problems);
  let stack: StackSpec | null = null;
  try {
    stack = readStack(source.root(), { stackName, fileName, problems });
  } catch (error) {
    if (!(error instanceof YamlTooLarge)) throw error;
    problems.add({ code: 'EDGE_SPEC_TOO_LARGE', where: null, line: null, path: '', message: `${fileName} expands to too many YAML nodes (aliases of aliases?); write the settings out` });
  }
  problems.throwIfAny(fileName);
  assert(stack !== null, 'a stack file without problems yields a stack');
  return stack;
}

interface ReadContext {
  stackName: string | null;
  fileName: string;
  problems: ProblemList;
}

function readStack(root: YamlValue, context: ReadContext): StackSpec | null {
  const { stackName, problems, fileName } = context;
  if (root.kind !== 'map') {
    problems.add({ code: 'EDGE_SPEC_BAD_TYPE', where: root.where, line: root.line, path: '', message: `the file must be a map with a services key, not ${root.describe()}` });
    return null;
  }
  const fields = root.fields(topLevelKeys);
  if (fields === null) return null;
  const version = fields.get('version');
  if (version !== undefined && version.kind !== 'string' && version.kind !== 'number') version.wrongType('a string or a number (edgectl accepts and ignores it)');
  const volumesValue = fields.get('volumes');
  const volumes = volumesValue === undefined ? [] : readVolumes(volumesValue);
  const servicesValue = fields.get('services');
  if (servicesValue === undefined) {
    problems.add({ code: 'EDGE_SPEC_MISSING_KEY', where: `${fileName}:1`, line: 1, path: 'services', message: 'services is missing; a stack file lists its services under services:' });
    return null;
  }
  const stackContext: StackContext = { stackName, declaredVolumes: new Set(volumes.map((volume) => volume.name)) };
  const services = readServices(servicesValue, stackContext, problems);
  return {
    stackName,
    services,
    volumes: volumes.map((volume) => ({ name: stackMemberName(stackName, volume.name), driver: volume.driver })),
  };
}

function readServices(value: YamlValue, context: StackContext, problems: ProblemList): ServiceSpec[] {
  const entries = value.entries(stackServicesCountMax);
  if (entries === null) return [];
  if (entries.length === 0) value.report('EDGE_SPEC_MISSING_KEY', 'is empty; list at least one service');
  const services: ServiceSpec[] = [];
  for (const { key, value: serviceValue } of entries) {
    if (serviceValue.parse(key, checkServiceName) === null) continue;
    const before = problems.size;
    const spec = readService(key, serviceValue, context);
    if (context.stackName !== null) {
      if (Object.hasOwn(spec.labels, stackNamespaceLabel)) {
        serviceValue.report('EDGE_SPEC_BAD_VALUE', `sets the label ${stackNamespaceLabel}, which edgectl sets to the stack name; remove it`);
      }
      spec.labels[stackNamespaceLabel] = context.stackName;
    }
    // Cross-field rules (reservation ≤ limit, name length with the stack prefix…) are checked
    // only on a service that read cleanly, so one mistake is not reported twice.
    if (problems.size === before) {
      for (const problem of checkServiceSpec(spec)) serviceValue.reportDetail(problem.code, problem.message);
    }
    services.push(spec);
  }
  return services;
}

function readVolumes(value: YamlValue): StackVolume[] {
  const volumes: StackVolume[] = [];
  for (const { key, value: volume } of value.entries(stackVolumesCountMax) ?? []) {
    if (volume.parse(key, checkVolumeName) === null) continue;
    if (volume.kind !== 'null') {
      const driver = volume.fields(topLevelVolumeKeys)?.get('driver');
      const name = driver?.string();
      if (driver !== undefined && name !== null && name !== 'local') {
        driver.report('EDGE_SPEC_UNSUPPORTED_VALUE', `is "${name}"; edgectl has the local driver only`);
      }
    }
    volumes.push({ name: key, driver: 'local' });
  }
  return volumes;
}
