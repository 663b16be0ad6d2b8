/**
 * Service and stack names. Names end up in DNS-like places (task hostnames,
 * log prefixes), and DNS ignores case, so they are lowercase labels of at
 * most 63 characters. Service names may hold "_" because a stack member is
 * "<stack>_<service>", as in Docker; stack names may not, so the first "_"
 * of a member's name always ends the stack part.
 */
import { SpecError } from './errors.js';
import { serviceNameCharsMax } from './limits.js';

const serviceNamePattern = /^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$/;
const stackNamePattern = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

export function checkServiceName(name: string): string {
  if (name.length === 0 || name.length > serviceNameCharsMax || !serviceNamePattern.test(name)) {
    throw new SpecError('EDGE_SPEC_BAD_NAME', `"${clip(name)}" is not a service name: 1–${serviceNameCharsMax} lowercase letters, digits, "-" or "_", starting and ending with a letter or digit`);
  }
  return name;
}

export function checkStackName(name: string): string {
  if (name.length === 0 || name.length > serviceNameCharsMax || !stackNamePattern.test(name)) {
    throw new SpecError('EDGE_SPEC_BAD_NAME', `"${clip(name)}" is not a stack name: 1–${serviceNameCharsMax} lowercase letters, digits or "-", starting and ending with a letter or digit`);
  }
  return name;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
