// A minimal bearer-token service of the kind Docker Hub and GHCR run, for the
// registry's `auth: token` mode: it checks Basic credentials, then signs an
// ES256 JWT with a key generated here (openssl), carrying its self-signed certificate
// in the x5c header; the registry trusts that certificate via rootcertbundle.
import { execFileSync } from 'node:child_process';
import { createSign, randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  rootCertBundlePath: string;
  /** Every token request seen: the scope asked for and the user (or "" when anonymous). */
  requests: { scope: string; user: string }[];
  stop(): Promise<void>;
}

const base64url = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');

export async function startTokenServer(dir: string, users: Record<string, string>): Promise<TokenServer> {
  const keyPath = join(dir, 'token-key.pem');
  const rootCertBundlePath = join(dir, 'token-ca.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath, '-out', rootCertBundlePath, '-days', '1', '-subj', '/CN=edge-test-token-issuer'], { stdio: 'ignore' });
  const privatePem = readFileSync(keyPath, 'utf8');
  const certificateDer = new X509Certificate(readFileSync(rootCertBundlePath)).raw;
  const service = 'edge-test-registry';
  const issuer = 'edge-test-issuer';
  const requests: TokenServer['requests'] = [];

  const sign = (claims: object): string => {
    const header = { alg: 'ES256', typ: 'JWT', x5c: [certificateDer.toString('base64')] };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = createSign('SHA256').update(input).sign({ key: privatePem, dsaEncoding: 'ieee-p1363' });
    return `${input}.${base64url(signature)}`;
  };

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const scope = url.searchParams.get('scope') ?? '';
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const [user = '', password = ''] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [];
    requests.push({ scope, user });
    if (user === '' || users[user] !== password) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      return;
    }
    const [type, name, actions] = scope.split(':');
    const now = Math.floor(Date.now() / 1000);
    const token = sign({ iss: issuer, sub: user, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access: type ? [{ type, name, actions: (actions ?? '').split(',') }] : [] });
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertBundlePath,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
