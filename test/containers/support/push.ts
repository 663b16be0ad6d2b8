// Pushes test images to a registry with the plain distribution API: monolithic
// blob uploads (POST then PUT ?digest=) and manifest PUTs. Answers Basic and
// Bearer challenges itself (asking for pull,push scope), independent of the
// client under test.
import type { BuiltBlob, BuiltImage, BuiltIndex } from './image-builder.js';

export interface PushTarget {
  /** "127.0.0.1:PORT" */
  domain: string;
  repository: string;
  credentials?: { username: string; password: string };
}

async function authorizationFor(target: PushTarget, challenge: string | null): Promise<string> {
  const basic = target.credentials ? `Basic ${Buffer.from(`${target.credentials.username}:${target.credentials.password}`).toString('base64')}` : undefined;
  if (challenge?.startsWith('Bearer')) {
    const param = (key: string): string | undefined => new RegExp(`${key}="([^"]*)"`).exec(challenge)?.[1];
    const url = new URL(param('realm')!);
    url.searchParams.set('service', param('service') ?? '');
    url.searchParams.set('scope', `repository:${target.repository}:pull,push`);
    const response = await fetch(url, { headers: basic ? { authorization: basic } : {} });
    if (!response.ok) throw new Error(`push: token request failed with ${response.status}`);
    const body = (await response.json()) as { token: string };
    return `Bearer ${body.token}`;
  }
  if (basic === undefined) throw new Error('push: registry wants credentials');
  return basic;
}

class Pusher {
  private authorization: string | undefined;
  constructor(private readonly target: PushTarget) {}

  async request(method: string, url: string, body?: Uint8Array, contentType?: string): Promise<Response> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const headers: Record<string, string> = {};
      if (this.authorization) headers.authorization = this.authorization;
      if (contentType) headers['content-type'] = contentType;
      const response = await fetch(url, { method, headers, ...(body ? { body } : {}) });
      if (response.status !== 401) return response;
      await response.body?.cancel();
      this.authorization = await authorizationFor(this.target, response.headers.get('www-authenticate'));
    }
    throw new Error(`push: ${method} ${url} still unauthorized`);
  }

  base(): string {
    return `http://${this.target.domain}/v2/${this.target.repository}`;
  }

  async blob(blob: BuiltBlob): Promise<void> {
    const head = await this.request('HEAD', `${this.base()}/blobs/${blob.digest}`);
    if (head.status === 200) return;
    const start = await this.request('POST', `${this.base()}/blobs/uploads/`);
    await start.body?.cancel();
    if (start.status !== 202) throw new Error(`push: upload start answered ${start.status}`);
    const location = new URL(start.headers.get('location')!, `http://${this.target.domain}`);
    location.searchParams.set('digest', blob.digest);
    const put = await this.request('PUT', location.toString(), blob.bytes, 'application/octet-stream');
    const text = await put.text();
    if (put.status !== 201) throw new Error(`push: blob PUT answered ${put.status}: ${text}`);
  }

  async manifest(reference: string, manifest: BuiltBlob): Promise<void> {
    const put = await this.request('PUT', `${this.base()}/manifests/${reference}`, manifest.bytes, manifest.mediaType);
    const text = await put.text();
    if (put.status !== 201) throw new Error(`push: manifest PUT answered ${put.status}: ${text}`);
  }
}

/** Pushes an image (or an index with all its images) and tags it. Returns the pushed top-level digest. */
export async function pushImage(target: PushTarget, top: BuiltImage | BuiltIndex, tag: string): Promise<string> {
  const pusher = new Pusher(target);
  const images = 'index' in top ? top.images : [top];
  for (const image of images) {
    for (const blob of [...image.layers, image.config]) await pusher.blob(blob);
    await pusher.manifest('index' in top ? image.manifest.digest : tag, image.manifest);
  }
  if ('index' in top) {
    await pusher.manifest(tag, top.index);
    return top.index.digest;
  }
  return top.manifest.digest;
}
