// Discovery costs: how long a board waits from "browse" to a resolved
// manager on a real bridge (lab namespaces, root), and the CPU a packet
// costs the browser and the advertiser (pure code, plain timing loops).
// The lab number is what auto-join waits on first boot; the per-packet
// numbers bound what a LAN full of mDNS chatter costs a Pi Zero.
import { PeerCache } from '../../runtime/discovery/peer-cache.js';
import { readResponse } from '../../runtime/discovery/records.js';
import { announcement, answerQuery, readQuery, type AdvertisedService } from '../../runtime/discovery/responder.js';
import { Lab } from '../../test/lab/lab.js';
import { events, NODE_SCRIPT, tsxArgs, waitForEvent } from '../../test/discovery/lab-events.js';
import { type BenchSuite, type Measure, median } from '../harness.js';

const service: AdvertisedService = {
  instance: 'mgr-1',
  port: 4242,
  txt: { cluster: 'bench', ca: '9f86d081884c7d65', role: 'manager', node: 'mgr-1' },
  addresses: ['10.0.0.5'],
  ttlSeconds: 120,
};

/** Median µs per call of `body`, after a warm-up. */
function microsecondsPerCall(iterations: number, body: (i: number) => void): number {
  for (let i = 0; i < 1000; i++) body(i);
  const samples: number[] = [];
  for (let round = 0; round < 9; round++) {
    const started = performance.now();
    for (let i = 0; i < iterations; i++) body(i);
    samples.push(((performance.now() - started) * 1000) / iterations);
  }
  return median(samples);
}

/** What dns-packet's decoder hands the browser for one announcement (TXT strings as bytes). */
function decodedAnnouncement(label: string): unknown {
  const packet = announcement({ ...service, instance: label }, { goodbye: false });
  const answers = (packet.answers ?? []).map((record) => (record.type === 'TXT' ? { ...record, data: record.data.map((s) => Buffer.from(s)) } : record));
  return { ...packet, flags: 1024, answers, additionals: [] };
}

async function labResolveSamples(count: number): Promise<number[]> {
  const lab = Lab.create({ name: 'dscbench', hosts: 2 });
  try {
    lab.start(1, process.execPath, tsxArgs(NODE_SCRIPT, ['advertise', '--instance', 'mgr-1']));
    await waitForEvent(lab, 1, (e) => e.event === 'log' && String(e.line).includes('multicast open'), 15_000, 'advertiser open');
    lab.start(2, process.execPath, tsxArgs(NODE_SCRIPT, ['trials', '--count', String(count)]));
    await waitForEvent(lab, 2, (e) => e.event === 'trials', 60_000, 'trials');
    return events(lab, 2).find((e) => e.event === 'trials')!.samplesMs as number[];
  } finally {
    lab.destroy();
  }
}

export const suite: BenchSuite = {
  name: 'discovery',
  async run({ ci }): Promise<Measure[]> {
    if (process.getuid?.() !== 0) throw new Error('discovery needs root (lab network namespaces for real multicast)');
    const iterations = ci ? 2000 : 10_000;
    const packets = Array.from({ length: 64 }, (_, i) => decodedAnnouncement(`mgr-${i}`));
    const cache = new PeerCache({ peersMax: 64, addressesPerPeerMax: 8, goodbyeGraceMs: 1000 });
    const limits = { recordsPerPacketMax: 64, recordTtlSecondsMax: 4500 };
    let nowMs = 0;
    const browseUs = microsecondsPerCall(iterations, (i) => {
      const reading = readResponse(packets[i % packets.length], limits);
      if (reading.ok) cache.apply(reading.records, (nowMs += 1), nowMs);
    });
    const query = { id: 0, type: 'query', flags: 0, questions: [{ name: '_edgectl._tcp.local', type: 'PTR', class: 'IN' }], answers: [] };
    const queryLimits = { questionsPerQueryMax: 32, knownAnswersPerQueryMax: 64 };
    const answerUs = microsecondsPerCall(iterations, () => {
      const view = readQuery(query, queryLimits);
      if (view) answerQuery(service, view, 5353);
    });
    const samples = await labResolveSamples(ci ? 3 : 7);
    return [
      { name: 'discovery.resolveMsMedian', value: median(samples), unit: 'ms', note: `lab bridge: fresh browser start() → first manager up, by query (median of ${samples.length}: ${samples.join(', ')})` },
      { name: 'discovery.resolveMsMax', value: Math.max(...samples), unit: 'ms', note: 'worst of the same trials' },
      { name: 'discovery.browserPacketUs', value: browseUs, unit: 'µs', note: 'readResponse + PeerCache.apply of one 4-record announcement, 64 peers cached' },
      { name: 'discovery.responderQueryUs', value: answerUs, unit: 'µs', note: 'readQuery + answerQuery for a PTR question (answer + 3 additionals)' },
    ];
  },
};
