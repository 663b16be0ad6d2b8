// Shared fixtures for the transport tests: a test vocabulary, a cluster's
// certificates, and two ways to make a connected pair of links (in memory and
// over real TLS WebSockets on loopback) so one suite runs against both.
import { ManualClock, systemClock, type Clock } from '../../runtime/common/clock.js';
import { CertificateAuthority, TrustBundle, TrustedTime, verifyPeerChain } from '../../runtime/pki/index.js';
import { createNodeKeyAndRequest } from '../../runtime/pki/certificate-request.js';
import { DenyList, MessagePolicy, type PeerIdentity, type PeerRole } from '../../runtime/transport/authorization.js';
import type { LinkCodec } from '../../runtime/transport/frames.js';
import { Link, Router, type LinkOptions } from '../../runtime/transport/link.js';
import { memoryLinkPair } from '../../runtime/transport/memory.js';
import { dialLink } from '../../runtime/transport/tls-client.js';
import type { PeerVerifier, TlsMaterial } from '../../runtime/transport/tls-options.js';
import { LinkServer } from '../../runtime/transport/tls-server.js';
import { wireCodec } from '../../runtime/transport/wire-codec.js';
import { defineMethod, definePart, defineTopic } from '../../runtime/wire/definitions.js';
import { link as linkPart } from '../../runtime/wire/messages/link.js';
import { any, bytes, object, string, uint } from '../../runtime/wire/schema.js';
import { createVocabulary } from '../../runtime/wire/vocabulary.js';

const testPart = definePart({
  owner: 'transport tests',
  methods: [
    defineMethod({ method: 'test.echo', request: object({ text: string({ maxBytes: 1024 }) }), response: object({ text: string({ maxBytes: 1024 }) }) }),
    defineMethod({ method: 'test.wait', request: object({ ms: uint() }), response: object({ waited: uint() }) }),
    defineMethod({ method: 'test.fail', request: any(), response: any() }),
    defineMethod({ method: 'test.managerOnly', request: any(), response: object({ ok: uint() }) }),
    defineMethod({ method: 'test.unhandled', request: any(), response: any() }),
  ],
  topics: [
    defineTopic({ topic: 'test.note', body: object({ n: uint(), pad: bytes({ maxBytes: 1024 * 1024 }) }) }),
    defineTopic({ topic: 'test.managerNote', body: any() }),
  ],
});

export const testVocabulary = createVocabulary([linkPart, testPart]);
export const codec: LinkCodec = wireCodec({ vocabulary: testVocabulary });

export function testPolicy(): MessagePolicy {
  return new MessagePolicy()
    .allow('test.echo', ['manager', 'worker'])
    .allow('test.wait', ['manager', 'worker'])
    .allow('test.fail', ['manager', 'worker'])
    .allow('test.unhandled', ['manager', 'worker'])
    .allow('test.managerOnly', ['manager'])
    .allow('test.note', ['manager', 'worker'])
    .allow('test.managerNote', ['manager']);
}

/** What the server side saw, for assertions. */
export interface ServerLog {
  aborted: string[];
  notes: number[];
}

export function testRouter(log: ServerLog): Router {
  return new Router()
    .handle('test.echo', (body) => ({ text: (body as { text: string }).text }))
    .handle('test.wait', (body, context) => {
      const ms = (body as { ms: number }).ms;
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve({ waited: ms }), ms);
        context.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          log.aborted.push(`test.wait ${ms}`);
        });
      });
    })
    .handle('test.fail', () => {
      throw Object.assign(new Error('boom'), {});
    })
    .handle('test.managerOnly', () => ({ ok: 1 }))
    .on('test.note', (body) => log.notes.push((body as { n: number }).n))
    .on('test.managerNote', () => log.notes.push(-1));
}

export interface ConnectedPair {
  client: Link;
  server: () => Link;
  log: ServerLog;
  denyList: DenyList;
  close(): Promise<void>;
}

export type PairFactory = (clientRole: 'manager' | 'worker', options?: Partial<LinkOptions>) => Promise<ConnectedPair>;

function identity(nodeId: string, role: PeerRole): PeerIdentity {
  return { nodeId, role, clusterId: 'c1', serial: nodeId };
}

export const memoryPair: PairFactory = async (clientRole, options) => {
  const log: ServerLog = { aborted: [], notes: [] };
  const denyList = new DenyList();
  const pair = memoryLinkPair({
    codec,
    policy: testPolicy(),
    left: { identity: identity('client1', clientRole), router: new Router() },
    right: { identity: identity('server1', 'manager'), router: testRouter(log) },
    ...(options ? { options } : {}),
  });
  denyList.onChange(() => {
    if (denyList.refuses(pair.right.link.peer)) pair.right.link.close('removed', 4003);
  });
  return {
    client: pair.left.link,
    server: () => pair.right.link,
    log,
    denyList,
    close: async () => {
      pair.left.link.close();
      pair.right.link.close();
    },
  };
};

/** A cluster's CA and a way to issue node credentials, at a clock the test controls. */
export class TestCluster {
  private constructor(readonly ca: CertificateAuthority, readonly clock: ManualClock) {}

  static async create(clusterId = 'c1', clock = new ManualClock(Date.UTC(2027, 0, 15), 0)): Promise<TestCluster> {
    return new TestCluster(await CertificateAuthority.create({ clusterId, clock }), clock);
  }

  async issue(nodeId: string, role: 'manager' | 'worker', validityMs?: number): Promise<TlsMaterial> {
    const { keyPem, csrPem } = await createNodeKeyAndRequest({ hostname: nodeId, addresses: ['127.0.0.1'] });
    const certPem = await this.ca.issueNodeCertificate({ csrPem, nodeId, role, ...(validityMs ? { validityMs } : {}) });
    return { keyPem, certChainPem: `${certPem.trimEnd()}\n${this.ca.certPem.trimEnd()}\n`, trustedCaPem: this.ca.certPem };
  }

  verifier(peerTlsRole: 'client' | 'server', clock: Clock = this.clock): PeerVerifier {
    const trust = TrustBundle.of([this.ca.certPem]);
    const time = new TrustedTime({ clock, log: () => {} });
    return (chain) => verifyPeerChain(chain, { trust, time, peerTlsRole, clusterId: this.ca.clusterId });
  }
}

export interface TlsServerHandle {
  server: LinkServer;
  port: number;
  log: ServerLog;
  links: Link[];
  refused: string[];
  denyList: DenyList;
}

export async function startTlsServer(cluster: TestCluster, options: Partial<LinkOptions> = {}, clock?: Clock): Promise<TlsServerHandle> {
  const log: ServerLog = { aborted: [], notes: [] };
  const links: Link[] = [];
  const refused: string[] = [];
  const denyList = new DenyList();
  const server = new LinkServer({
    host: '127.0.0.1',
    port: 0,
    tls: await cluster.issue('server1', 'manager'),
    verifyPeer: cluster.verifier('client', clock),
    codec,
    policy: testPolicy(),
    router: testRouter(log),
    denyList,
    acceptJoiners: false,
    linkOptions: options,
    onLink: (link) => links.push(link),
    onRefused: (reason) => refused.push(reason),
  });
  const { port } = await server.listen();
  return { server, port, log, links, refused, denyList };
}

export function dialTls(cluster: TestCluster, handle: TlsServerHandle, material: TlsMaterial | undefined, options: Partial<LinkOptions> = {}): Promise<Link> {
  return dialLink({
    address: `127.0.0.1:${handle.port}`,
    tls: material,
    verifyPeer: cluster.verifier('server'),
    codec,
    policy: testPolicy(),
    router: new Router(),
    linkOptions: options,
  });
}

export async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function tlsPairFactory(): PairFactory {
  return async (clientRole, options) => {
    const cluster = await TestCluster.create();
    const handle = await startTlsServer(cluster, options);
    const client = await dialTls(cluster, handle, await cluster.issue('client1', clientRole), options);
    await waitFor(() => handle.links.length === 1);
    handle.denyList.onChange(() => {});
    return {
      client,
      server: () => handle.links[0]!,
      log: handle.log,
      denyList: handle.denyList,
      close: async () => {
        client.close();
        await handle.server.close();
      },
    };
  };
}

export { systemClock };
