/**
 * Speaks the OCI distribution API (v2) to one registry at a time: manifests
 * by tag or digest, blobs with an optional starting byte (HTTP Range) for
 * resumed downloads. Authentication is answered on demand (registry-auth.ts);
 * plain http is used only for registries the operator listed as insecure.
 */
import { systemClock, type Clock } from '../../common/clock.js';
import type { Digest } from './digest.js';
import { ImageError } from './errors.js';
import { manifestAcceptTypes, manifestBytesMax } from './manifest.js';
import { registryApiHost, type ImageReference } from './reference.js';
import { RegistryAuth, type CredentialLookup } from './registry-auth.js';

export interface RegistryClientOptions {
  /** Registry domains ("127.0.0.1:5000") reached over plain http. Default: none; every other registry needs https. */
  insecureRegistries?: readonly string[];
  /** Credentials by registry domain. Default: anonymous everywhere. */
  credentials?: CredentialLookup;
  /** Limit for connecting and receiving response headers, in ms. Default 30 000. */
  requestTimeoutMs?: number;
  /** A body that delivers nothing for this long is abandoned (and resumed by the caller), in ms. Default 30 000. */
  bodyIdleTimeoutMs?: number;
  clock?: Clock;
}

export interface FetchedManifest {
  bytes: Uint8Array;
  contentType: string | undefined;
  /** Docker-Content-Digest header, when sent; the caller hashes the bytes itself anyway. */
  headerDigest: string | undefined;
}

export interface BlobResponse {
  /** True when the server honoured the Range request and sends from the asked offset. */
  partial: boolean;
  body: AsyncIterable<Uint8Array>;
}

export class RegistryClient {
  private readonly auth: RegistryAuth;
  private readonly insecure: ReadonlySet<string>;
  private readonly requestTimeoutMs: number;
  private readonly bodyIdleTimeoutMs: number;

  constructor(options: RegistryClientOptions = {}) {
    this.insecure = new Set(options.insecureRegistries ?? []);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.bodyIdleTimeoutMs = options.bodyIdleTimeoutMs ?? 30_000;
    this.auth = new RegistryAuth(options.credentials ?? (() => undefined), options.clock ?? systemClock, this.requestTimeoutMs);
  }

  async fetchManifest(reference: ImageReference, tagOrDigest: string): Promise<FetchedManifest> {
    const what = `manifest ${tagOrDigest} of ${reference.domain}/${reference.repository}`;
    const response = await this.request(reference, `manifests/${tagOrDigest}`, { accept: manifestAcceptTypes.join(', ') }, what);
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > manifestBytesMax) {
      await response.body?.cancel();
      throw new ImageError('EDGE_IMAGE_MANIFEST_TOO_LARGE', `${what} is ${declared} bytes, over the ${manifestBytesMax}-byte limit`);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of this.idleGuarded(response, what)) {
      total += chunk.byteLength;
      if (total > manifestBytesMax) throw new ImageError('EDGE_IMAGE_MANIFEST_TOO_LARGE', `${what} is over the ${manifestBytesMax}-byte limit`);
      chunks.push(chunk);
    }
    return { bytes: Buffer.concat(chunks), contentType: response.headers.get('content-type') ?? undefined, headerDigest: response.headers.get('docker-content-digest') ?? undefined };
  }

  async fetchBlob(reference: ImageReference, digest: Digest, startByte: number): Promise<BlobResponse> {
    const what = `blob ${digest} of ${reference.domain}/${reference.repository}`;
    const headers: Record<string, string> = startByte > 0 ? { range: `bytes=${startByte}-` } : {};
    const response = await this.request(reference, `blobs/${digest}`, headers, what);
    let partial = false;
    if (response.status === 206) {
      const match = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
      // A 206 from another offset cannot be appended; treat it as a failed attempt.
      if (match === null || Number(match[1]) !== startByte) {
        await response.body?.cancel();
        throw new ImageError('EDGE_IMAGE_REGISTRY_ERROR', `${what}: asked for bytes from ${startByte}, got range "${response.headers.get('content-range')}"`, { retryable: true });
      }
      partial = true;
    }
    return { partial, body: this.idleGuarded(response, what) };
  }

  private baseUrl(reference: ImageReference): string {
    const scheme = this.insecure.has(reference.domain) ? 'http' : 'https';
    return `${scheme}://${registryApiHost(reference.domain)}/v2/${reference.repository}/`;
  }

  /** One GET, answering at most one auth challenge; maps HTTP failures to ImageErrors. */
  private async request(reference: ImageReference, path: string, headers: Record<string, string>, what: string): Promise<Response> {
    const scope = `repository:${reference.repository}:pull`;
    const url = this.baseUrl(reference) + path;
    let authorization = this.auth.cached(reference.domain, scope);
    for (let attempt = 0; ; attempt++) {
      const response = await this.send(url, authorization === undefined ? headers : { ...headers, authorization }, what);
      if (response.status !== 401) return this.checkStatus(response, what);
      await response.body?.cancel();
      if (attempt > 0) {
        this.auth.forget(reference.domain, scope);
        throw new ImageError('EDGE_IMAGE_AUTH_FAILED', `registry ${reference.domain} refused our credentials for ${reference.repository} (HTTP 401); check the username and password configured for ${reference.domain}`);
      }
      authorization = await this.auth.answer(reference.domain, scope, response.headers.get('www-authenticate'));
    }
  }

  private async send(url: string, headers: Record<string, string>, what: string): Promise<Response> {
    // The limit covers connecting and the response headers only: a signal
    // passed to fetch also governs the body, and a big layer on a slow link
    // may rightly take longer. The body has its own idle timeout.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`no response within ${this.requestTimeoutMs} ms`)), this.requestTimeoutMs);
    try {
      return await fetch(url, { headers, redirect: 'follow', signal: controller.signal });
    } catch (error) {
      const hint = url.startsWith('https:') ? ' (if this registry only speaks http, list it as insecure)' : '';
      throw new ImageError('EDGE_IMAGE_NETWORK', `could not fetch ${what} from ${new URL(url).host}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}${hint}`, { retryable: true, cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  private async checkStatus(response: Response, what: string): Promise<Response> {
    if (response.ok) return response;
    const detail = (await response.text().catch(() => '')).slice(0, 300);
    if (response.status === 404) throw new ImageError('EDGE_IMAGE_NOT_FOUND', `${what} does not exist (HTTP 404); check the repository name and tag`);
    if (response.status === 403) throw new ImageError('EDGE_IMAGE_AUTH_FAILED', `registry denied access to ${what} (HTTP 403); the credentials lack pull rights`);
    const retryable = response.status === 429 || response.status >= 500 || response.status === 416;
    throw new ImageError('EDGE_IMAGE_REGISTRY_ERROR', `registry answered HTTP ${response.status} for ${what}: ${detail}`, { retryable });
  }

  /**
   * Yields the body, failing with a retryable EDGE_IMAGE_NETWORK when the
   * connection breaks or stalls longer than bodyIdleTimeoutMs.
   */
  private async *idleGuarded(response: Response, what: string): AsyncGenerator<Uint8Array> {
    if (response.body === null) return;
    const reader = response.body.getReader();
    try {
      for (;;) {
        let timer: NodeJS.Timeout | undefined;
        const stalled = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ImageError('EDGE_IMAGE_NETWORK', `${what}: no data for ${this.bodyIdleTimeoutMs} ms`, { retryable: true })), this.bodyIdleTimeoutMs);
        });
        let result: Awaited<ReturnType<typeof reader.read>>;
        try {
          result = await Promise.race([reader.read(), stalled]);
        } catch (error) {
          if (error instanceof ImageError) throw error;
          throw new ImageError('EDGE_IMAGE_NETWORK', `${what}: the connection broke (${(error as Error).message})`, { retryable: true, cause: error });
        } finally {
          clearTimeout(timer);
        }
        if (result.done) return;
        yield result.value;
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }
}
