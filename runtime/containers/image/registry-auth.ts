/**
 * Answers a registry's 401 challenge. Basic: send the configured username and
 * password. Bearer (Docker Hub, GHCR, registry `auth: token`): ask the realm
 * for a token scoped to this repository, with Basic credentials when we have
 * them and anonymously otherwise, and cache it until shortly before it expires.
 */
import type { Clock } from '../../common/clock.js';
import { parseAuthChallenges } from './auth-challenge.js';
import { ImageError } from './errors.js';

export interface RegistryCredentials {
  username: string;
  password: string;
}

/** Returns credentials for a registry domain ("ghcr.io", "127.0.0.1:5000"), or undefined for anonymous. */
export type CredentialLookup = (domain: string) => RegistryCredentials | undefined;

/** A token response larger than this is refused (real ones are a few KiB). */
export const tokenResponseBytesMax = 1024 * 1024;
/** Tokens are dropped this long before their stated expiry, to allow for clock skew and slow requests. */
const tokenExpiryMarginMs = 10_000;
/** RFC 6750 default lifetime when the server does not say (the distribution spec uses 60 s). */
const tokenLifetimeDefaultSeconds = 60;

interface CachedAuthorization {
  header: string;
  expiresAtMs: number;
}

export class RegistryAuth {
  private readonly cache = new Map<string, CachedAuthorization>();

  constructor(
    private readonly credentials: CredentialLookup,
    private readonly clock: Clock,
    private readonly requestTimeoutMs: number,
  ) {}

  /** The Authorization header to send first, from an earlier challenge, if still valid. */
  cached(domain: string, scope: string): string | undefined {
    const entry = this.cache.get(`${domain} ${scope}`);
    if (entry === undefined || entry.expiresAtMs <= this.clock.monotonicMs()) return undefined;
    return entry.header;
  }

  forget(domain: string, scope: string): void {
    this.cache.delete(`${domain} ${scope}`);
  }

  /** Turns a 401's WWW-Authenticate header into an Authorization header, or throws EDGE_IMAGE_AUTH_FAILED. */
  async answer(domain: string, scope: string, challengeHeader: string | null): Promise<string> {
    const challenges = challengeHeader === null ? [] : parseAuthChallenges(challengeHeader);
    const credentials = this.credentials(domain);
    const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
    if (bearer !== undefined) {
      const realm = bearer.params.realm;
      if (realm === undefined) throw new ImageError('EDGE_IMAGE_AUTH_CHALLENGE', `registry ${domain} asked for a bearer token without naming a realm; the registry is misconfigured`);
      const { token, lifetimeSeconds } = await this.fetchToken(domain, realm, bearer.params.service, scope, credentials);
      const header = `Bearer ${token}`;
      this.cache.set(`${domain} ${scope}`, { header, expiresAtMs: this.clock.monotonicMs() + lifetimeSeconds * 1000 - tokenExpiryMarginMs });
      return header;
    }
    if (challenges.some((challenge) => challenge.scheme === 'basic')) {
      if (credentials === undefined) {
        throw new ImageError('EDGE_IMAGE_AUTH_FAILED', `registry ${domain} requires a username and password; configure credentials for ${domain}`);
      }
      const header = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      this.cache.set(`${domain} ${scope}`, { header, expiresAtMs: Number.POSITIVE_INFINITY });
      return header;
    }
    throw new ImageError('EDGE_IMAGE_AUTH_CHALLENGE', `registry ${domain} refused access without offering Basic or Bearer authentication (WWW-Authenticate: ${JSON.stringify(challengeHeader)})`);
  }

  private async fetchToken(domain: string, realm: string, service: string | undefined, scope: string, credentials: ReturnType<CredentialLookup>): Promise<{ token: string; lifetimeSeconds: number }> {
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new ImageError('EDGE_IMAGE_AUTH_CHALLENGE', `registry ${domain} named the token realm "${realm}", which is not a URL`);
    }
    if (service !== undefined) url.searchParams.set('service', service);
    url.searchParams.set('scope', scope);
    const headers: Record<string, string> = {};
    if (credentials !== undefined) headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: AbortSignal.timeout(this.requestTimeoutMs) });
    } catch (error) {
      throw new ImageError('EDGE_IMAGE_NETWORK', `could not reach the token service ${url.origin} for ${domain}: ${(error as Error).message}; check the network`, { retryable: true, cause: error });
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new ImageError('EDGE_IMAGE_AUTH_FAILED', `the token service for ${domain} refused ${credentials ? `user "${credentials.username}"` : 'anonymous access'} to ${scope} (HTTP ${response.status}); check the credentials and that the repository exists`);
    }
    const text = await response.text();
    if (!response.ok) throw new ImageError('EDGE_IMAGE_REGISTRY_ERROR', `the token service for ${domain} answered HTTP ${response.status}`, { retryable: response.status >= 500 || response.status === 429 });
    if (text.length > tokenResponseBytesMax) throw new ImageError('EDGE_IMAGE_AUTH_CHALLENGE', `the token service for ${domain} sent a ${text.length}-byte answer, over the ${tokenResponseBytesMax}-byte limit`);
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new ImageError('EDGE_IMAGE_AUTH_CHALLENGE', `the token service for ${domain} did not answer JSON`);
    }
    // The distribution spec names it "token"; OAuth2 servers send "access_token".
    const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
    if (token === undefined || token === '') throw new ImageError('EDGE_IMAGE_AUTH_CHALLENGE', `the token service for ${domain} answered without a token`);
    const lifetimeSeconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : tokenLifetimeDefaultSeconds;
    return { token, lifetimeSeconds };
  }
}
