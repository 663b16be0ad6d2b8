/**
 * Every condition discovery reports, as one EdgeError subclass with a stable
 * code. Most are operating conditions of the network (no interface yet, no
 * multicast route, port taken): they are logged with the fix and retried,
 * never thrown at the caller. Only a bad option (EDGE_DISCOVERY_CONFIG_INVALID)
 * and an aborted search (EDGE_DISCOVERY_ABORTED) are thrown.
 * runtime/discovery/README.md lists each code; keep the two in step.
 */
import { EdgeError } from '../common/errors.js';

export const DISCOVERY_ERROR_CODES = [
  'EDGE_DISCOVERY_CONFIG_INVALID',
  'EDGE_DISCOVERY_NO_INTERFACE',
  'EDGE_DISCOVERY_ADDRESS_UNAVAILABLE',
  'EDGE_DISCOVERY_NO_MULTICAST_ROUTE',
  'EDGE_DISCOVERY_INTERFACE_LOST',
  'EDGE_DISCOVERY_PORT_UNAVAILABLE',
  'EDGE_DISCOVERY_SEND_FAILED',
  'EDGE_DISCOVERY_ABORTED',
] as const;

export type DiscoveryErrorCode = (typeof DISCOVERY_ERROR_CODES)[number];

export class DiscoveryError extends EdgeError {
  declare readonly code: DiscoveryErrorCode;

  constructor(code: DiscoveryErrorCode, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'DiscoveryError';
  }
}

export function isDiscoveryError(value: unknown, code?: DiscoveryErrorCode): value is DiscoveryError {
  return value instanceof DiscoveryError && (code === undefined || value.code === code);
}

export function configInvalid(field: string, problem: string, fix: string): DiscoveryError {
  return new DiscoveryError('EDGE_DISCOVERY_CONFIG_INVALID', `discovery option ${field}: ${problem}; ${fix}`);
}
