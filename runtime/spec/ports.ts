/**
 * Published ports. edgectl has no routing mesh: every published port is
 * opened on the address of the node that runs the task (Swarm's "host"
 * mode). So "8080:80" means host mode here, and asking for ingress is an
 * error rather than a silent change of meaning.
 */
import { SpecError } from './errors.js';
import type { PortPublish } from '../store/services.js';

const portCharsMax = 64;

/** A port number 1–65535, from a flag or file text. */
export function parsePortNumber(text: string, what: 'published' | 'target'): number {
  const trimmed = text.trim();
  const port = /^\d{1,5}$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!(port >= 1 && port <= 65_535)) {
    if (/^\d+-\d+$/.test(trimmed)) throw new SpecError('EDGE_SPEC_UNSUPPORTED_VALUE', `the ${what} port "${trimmed}" is a range; edgectl publishes single ports, so list each one`);
    throw new SpecError('EDGE_SPEC_BAD_PORT', `the ${what} port "${clip(trimmed)}" is not a number from 1 to 65535`);
  }
  return port;
}

export function parseProtocol(text: string): 'tcp' | 'udp' {
  const protocol = text.trim().toLowerCase();
  if (protocol === 'tcp' || protocol === 'udp') return protocol;
  if (protocol === 'sctp') throw new SpecError('EDGE_SPEC_UNSUPPORTED_VALUE', 'protocol sctp is not supported; use tcp or udp');
  throw new SpecError('EDGE_SPEC_BAD_PORT', `protocol "${clip(text)}" is not tcp or udp`);
}

/** Refuses every publish mode but host, saying why. */
export function checkPublishMode(text: string): void {
  const mode = text.trim();
  if (mode === 'host') return;
  if (mode === 'ingress') {
    throw new SpecError('EDGE_SPEC_UNSUPPORTED_VALUE', 'mode ingress is not supported: edgectl has no routing mesh; use mode host, which opens the port on each node that runs a task');
  }
  throw new SpecError('EDGE_SPEC_BAD_PORT', `mode "${clip(mode)}" is not a publish mode; the one edgectl supports is host`);
}

/** The short form "PUBLISHED:TARGET[/PROTOCOL]", e.g. "8080:80" or "5353:53/udp". */
export function parseShortPort(text: string): PortPublish {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const ports = slash >= 0 ? trimmed.slice(0, slash) : trimmed;
  const protocol = slash >= 0 ? parseProtocol(trimmed.slice(slash + 1)) : 'tcp';
  const parts = ports.split(':');
  if (parts.length === 1) {
    throw new SpecError('EDGE_SPEC_BAD_PORT', `"${clip(trimmed)}" has no published port; without a routing mesh edgectl needs both, e.g. ${ports}:${ports}`);
  }
  if (parts.length > 2 || ports.startsWith('[')) {
    throw new SpecError('EDGE_SPEC_UNSUPPORTED_VALUE', `"${clip(trimmed)}" names a host address; edgectl publishes on every address of the node, so write PUBLISHED:TARGET`);
  }
  return { published: parsePortNumber(parts[0] ?? '', 'published'), target: parsePortNumber(parts[1] ?? '', 'target'), protocol };
}

/**
 * The --publish flag: either the short form or comma-separated fields
 * "published=8080,target=80[,protocol=udp][,mode=host]".
 */
export function parsePublishFlag(text: string): PortPublish {
  if (!text.includes('=')) return parseShortPort(text);
  let published: number | null = null;
  let target: number | null = null;
  let protocol: 'tcp' | 'udp' = 'tcp';
  for (const field of text.split(',')) {
    const equals = field.indexOf('=');
    const key = (equals >= 0 ? field.slice(0, equals) : field).trim();
    const value = equals >= 0 ? field.slice(equals + 1) : '';
    if (key === 'published') published = parsePortNumber(value, 'published');
    else if (key === 'target') target = parsePortNumber(value, 'target');
    else if (key === 'protocol') protocol = parseProtocol(value);
    else if (key === 'mode') checkPublishMode(value);
    else throw new SpecError('EDGE_SPEC_BAD_PORT', `"${clip(key)}" is not a publish field; the fields are published, target, protocol and mode`);
  }
  if (target === null) throw new SpecError('EDGE_SPEC_BAD_PORT', `"${clip(text)}" has no target=PORT (the port inside the container)`);
  if (published === null) throw new SpecError('EDGE_SPEC_BAD_PORT', `"${clip(text)}" has no published=PORT; without a routing mesh edgectl needs it`);
  return { published, target, protocol };
}

/** "8080:80/tcp": how messages and diffs name a port. */
export function formatPort(port: PortPublish): string {
  return `${port.published}:${port.target}/${port.protocol}`;
}

/** Key of the host resource a port takes: two publishes of one key in a service cannot both bind. */
export function publishedKey(port: PortPublish): string {
  return `${port.published}/${port.protocol}`;
}

function clip(text: string): string {
  return text.length > portCharsMax ? `${text.slice(0, portCharsMax)}…` : text;
}
