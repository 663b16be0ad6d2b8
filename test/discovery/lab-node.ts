// A discovery process for one lab host, driven by the lab tests (not a test
// itself). Prints one JSON object per line on stdout, which the lab writes to
// the host's log file:
//   advertise --instance I --port P --cluster C --ca H --role R --node N [--ttl S] [--interface A] [--addresses a,b]
//       SIGTERM: graceful stop (goodbye), SIGUSR2: role becomes worker
//   browse [--ca H] [--ttl S] [--interface A]     events up/update/down, stats every 500 ms
//   find --ca H --timeout MS                      one "found" line, then exit
//   trials --count N                              N fresh browsers in turn, each timed from start() to its
//                                                 first 'up'; one "trials" line with the samples, then exit
import { parseArgs } from 'node:util';
import { createAdvertiser } from '../../runtime/discovery/advertiser.js';
import { createBrowser } from '../../runtime/discovery/browser.js';
import { findManagers } from '../../runtime/discovery/find-managers.js';
import type { DiscoveredPeer } from '../../runtime/discovery/peer-cache.js';
import { caPrefixMatches, type PeerRole } from '../../runtime/discovery/txt.js';

const startedMs = performance.now();
const emit = (event: string, fields: Record<string, unknown> = {}): void => {
  process.stdout.write(`${JSON.stringify({ event, sinceStartMs: Math.round(performance.now() - startedMs), ...fields })}\n`);
};
const log = (line: string): void => emit('log', { line });

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    instance: { type: 'string' },
    port: { type: 'string' },
    cluster: { type: 'string' },
    ca: { type: 'string' },
    role: { type: 'string' },
    node: { type: 'string' },
    ttl: { type: 'string' },
    interface: { type: 'string' },
    addresses: { type: 'string' },
    timeout: { type: 'string' },
    count: { type: 'string' },
  },
});
const config = values.ttl ? { recordTtlSeconds: Number(values.ttl) } : {};

function advertise(): void {
  const advertiser = createAdvertiser({
    instanceName: values.instance ?? 'node-1',
    port: Number(values.port ?? 4242),
    txt: { cluster: values.cluster ?? 'lab', ca: values.ca ?? '0123456789abcdef', role: (values.role ?? 'manager') as PeerRole, node: values.node ?? values.instance ?? 'node-1' },
    addresses: values.addresses ? values.addresses.split(',') : undefined,
    interfaceAddress: values.interface,
    log,
    config,
  });
  advertiser.start();
  emit('started');
  setInterval(() => emit('stats', { stats: advertiser.stats(), state: advertiser.state }), 500);
  process.on('SIGUSR2', () => {
    advertiser.update({ role: 'worker' });
    emit('updated');
  });
  process.on('SIGTERM', () => {
    void advertiser.stop().then(() => {
      emit('stopped', { stats: advertiser.stats() });
      process.exit(0);
    });
  });
}

function browse(): void {
  const wanted = values.ca;
  const browser = createBrowser({
    filter: wanted ? (peer: DiscoveredPeer) => caPrefixMatches(peer.txt.ca, wanted) : undefined,
    interfaceAddress: values.interface,
    log,
    config,
  });
  for (const kind of ['up', 'update', 'down'] as const) browser.on(kind, (peer) => emit(kind, { peer }));
  browser.start();
  emit('started');
  setInterval(() => emit('stats', { stats: browser.stats(), state: browser.state, peers: browser.peers().length }), 500);
}

async function find(): Promise<void> {
  const started = performance.now();
  const peers = await findManagers({ caDigestPrefix: values.ca ?? '', timeoutMs: Number(values.timeout ?? 5000), log, config });
  emit('found', { peers, elapsedMs: Math.round(performance.now() - started) });
  process.exit(0);
}

/**
 * Trials are 1.5 s apart because an advertiser multicasts a record at most
 * once a second (RFC 6762 §6): a query sooner after the last answer is
 * answered by the next one, which would measure the rate limit instead.
 */
async function trials(): Promise<void> {
  const samplesMs: number[] = [];
  for (let trial = 0; trial < Number(values.count ?? 5); trial++) {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const browser = createBrowser({ log, config });
    const started = performance.now();
    const up = new Promise<void>((resolve) => browser.on('up', () => resolve()));
    browser.start();
    await up;
    samplesMs.push(Math.round((performance.now() - started) * 10) / 10);
    await browser.stop();
  }
  emit('trials', { samplesMs });
  process.exit(0);
}

const mode = positionals[0];
if (mode === 'advertise') advertise();
else if (mode === 'browse') browse();
else if (mode === 'find') void find();
else if (mode === 'trials') void trials();
else {
  console.error(`unknown mode ${String(mode)}: use advertise, browse, find or trials`);
  process.exit(2);
}
