/**
 * Parses WWW-Authenticate headers (RFC 7235): one or more challenges, each a
 * scheme followed by comma-separated key=value or key="quoted value" params.
 * Registries answer 401 with `Bearer realm=…,service=…,scope=…` (token flow,
 * Docker Hub, GHCR) or `Basic realm=…` (htpasswd).
 */
import { ImageError } from './errors.js';

export interface AuthChallenge {
  /** Lower-cased scheme: "bearer", "basic", … */
  scheme: string;
  /** Lower-cased parameter names to their unquoted values. */
  params: Record<string, string>;
}

/** Longer headers are refused: no registry needs more, and parsing is bounded. */
export const challengeHeaderCharsMax = 8192;

const tokenChar = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

export function parseAuthChallenges(header: string): AuthChallenge[] {
  const bad = (why: string): ImageError =>
    new ImageError('EDGE_IMAGE_AUTH_CHALLENGE', `the registry sent an unreadable WWW-Authenticate header (${why}): ${JSON.stringify(header.slice(0, 200))}; the registry is misconfigured`);
  if (header.length > challengeHeaderCharsMax) throw bad(`longer than ${challengeHeaderCharsMax} characters`);
  const challenges: AuthChallenge[] = [];
  let index = 0;
  const skipSpaces = (): void => {
    while (index < header.length && (header[index] === ' ' || header[index] === '\t')) index++;
  };
  const readToken = (): string => {
    const start = index;
    while (index < header.length && tokenChar.test(header[index]!)) index++;
    return header.slice(start, index);
  };
  // Unquoted values should be RFC tokens, but some servers send bare URLs
  // (with ":" and "/"); accept anything up to the next comma or space.
  const readBare = (): string => {
    const start = index;
    while (index < header.length && header[index] !== ',' && header[index] !== ' ' && header[index] !== '\t' && header[index] !== '"') index++;
    if (index === start) throw bad(`an empty value at ${index}`);
    return header.slice(start, index);
  };
  const readQuoted = (): string => {
    index++; // opening quote
    let value = '';
    while (index < header.length && header[index] !== '"') {
      if (header[index] === '\\' && index + 1 < header.length) index++;
      value += header[index];
      index++;
    }
    if (index >= header.length) throw bad('an unterminated quoted string');
    index++; // closing quote
    return value;
  };
  while (index < header.length) {
    skipSpaces();
    if (header[index] === ',') {
      index++;
      continue;
    }
    const word = readToken();
    if (word === '') throw bad(`an unexpected character at ${index}`);
    skipSpaces();
    if (header[index] === '=' && challenges.length > 0) {
      index++;
      skipSpaces();
      const value = header[index] === '"' ? readQuoted() : readBare();
      challenges[challenges.length - 1]!.params[word.toLowerCase()] = value;
      continue;
    }
    // A word not followed by "=" starts a new challenge. (token68 forms such
    // as "Negotiate abc==" are not used by registries and are refused.)
    challenges.push({ scheme: word.toLowerCase(), params: {} });
  }
  return challenges;
}
