// The errors edgectl raises itself (as opposed to the ones edged sends back,
// which are printed as they come). Each has a stable code scripts can match
// on and a message that says what to do; runtime/cli/README.md lists them.
import { EdgeError } from '../common/errors.js';
import { UsageError } from './args.js';

export const cliErrorCodes = {
  /** The command line does not parse: unknown flag, missing argument. Exit 2. */
  usage: 'EDGE_CLI_USAGE',
  /** A flag or argument has a value edgectl refuses before asking edged. Exit 2. */
  invalidValue: 'EDGE_CLI_INVALID_VALUE',
  /** A join token does not have the EDGE1-<64 hex>-<secret> shape. Exit 2. */
  tokenMalformed: 'EDGE_CLI_TOKEN_MALFORMED',
  /** Nothing answers on the control socket. */
  unreachable: 'EDGE_CLI_UNREACHABLE',
  /** The control socket exists but this user may not open it. */
  permissionDenied: 'EDGE_CLI_PERMISSION_DENIED',
  /** edged took longer than the command waits. */
  timeout: 'EDGE_CLI_TIMEOUT',
  /** The connection to edged broke before the answer came. */
  connectionLost: 'EDGE_CLI_CONNECTION_LOST',
  /** The command exists but this edged's control API has no method for it yet. */
  unsupported: 'EDGE_CLI_UNSUPPORTED',
  /** `self` was given but this node is in no swarm, so it has no node id. */
  notInSwarm: 'EDGE_CLI_NOT_IN_SWARM',
} as const;

export const cliErrors = {
  invalidValue: (what: string, problem: string) => new UsageError(`${what}: ${problem}`, cliErrorCodes.invalidValue),
  tokenMalformed: (what: string, problem: string) =>
    new UsageError(
      `${what}: the join token ${problem}; copy it again from \`edgectl swarm join-token worker\` (or manager) on a manager (shape: EDGE1-<64 hex>-<secret>)`,
      cliErrorCodes.tokenMalformed,
    ),
  unreachable: (socketPath: string, detail?: string) =>
    new EdgeError(
      cliErrorCodes.unreachable,
      `cannot reach edged at ${socketPath}${detail ? ` (${detail})` : ''}: is it running? (systemctl status edged); or point --host / EDGECTL_HOST at its control socket`,
      { retryable: true },
    ),
  permissionDenied: (socketPath: string) =>
    new EdgeError(cliErrorCodes.permissionDenied, `permission denied on ${socketPath}: run as root (sudo); the control socket is root-only because it controls the whole cluster`),
  timeout: (socketPath: string, method: string, waitedMs: number) =>
    new EdgeError(
      cliErrorCodes.timeout,
      `edged at ${socketPath} did not answer ${method} within ${Math.round(waitedMs / 1000)} s; it may still be working on it: check \`edgectl info\` and \`journalctl -u edged\`, then retry`,
      { retryable: true },
    ),
  connectionLost: (socketPath: string, method: string) =>
    new EdgeError(
      cliErrorCodes.connectionLost,
      `the connection to edged at ${socketPath} closed during ${method}; edged may have restarted: check \`edgectl info\` to see whether it took effect, then retry`,
      { retryable: true },
    ),
  unsupported: (what: string) =>
    new EdgeError(
      cliErrorCodes.unsupported,
      `${what} is not supported by this edged yet (its control API has no method for it); upgrade edged and edgectl once a release adds it`,
    ),
  notInSwarm: (state: string) =>
    new EdgeError(
      cliErrorCodes.notInSwarm,
      `"self" names the local node, but this node is not in a swarm (state ${state}); run \`edgectl swarm init\` or \`edgectl swarm join\` first, or give a node ID or hostname`,
    ),
};

/** What an error looks like to a person: one line, message then code. */
export function formatError(error: EdgeError): string {
  return `Error: ${error.message} [${error.code}]`;
}

/** What an error looks like to a script reading --json output on stderr. */
export function formatErrorJson(error: EdgeError): string {
  return JSON.stringify({ error: error.toJSON() });
}

/**
 * Anything thrown that is not an EdgeError is a bug in edgectl: it still
 * reaches the user with a code, and the stack is kept for a bug report.
 */
export function asEdgeError(error: unknown): EdgeError {
  if (error instanceof EdgeError) return error;
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return new EdgeError('EDGE_CLI_INTERNAL', `edgectl hit an unexpected error; please report it with this text: ${detail}`);
}
