// Gossip: how long a dead node takes to be declared dead by every live node,
// and what an idle cluster costs on the wire, for the LAN and the metered
// presets. Everything is simulated (seeded, deterministic), so the numbers are
// simulated milliseconds and bytes, not this machine's speed.
//
// Bytes are what a node's network interface counts, in and out, headers
// included, for the transport the daemon picks for each message: pings and
// acks as UDP datagrams (encoded by the daemon's own encoder, plus Ethernet,
// IP and UDP headers), everything else as a frame on a TLS WebSocket over
// TCP (CBOR plus the link envelope, WebSocket, TLS record and TCP/IP headers,
// and the bare TCP ACK that answers it). In a quiet cluster every byte one
// node sends, another receives, so in+out per node is twice the bytes sent.
import { Encoder } from 'cbor-x';
import { datagramHeadersBytes, encodeProbeDatagram } from '../../runtime/daemon/gossip-datagrams.js';
import { median, percentile, type BenchSuite, type Measure } from '../harness.js';
import { lanDefaults, meteredLinkDefaults, pushPullIntervalTicks, type GossipConfig } from '../../runtime/gossip/config.js';
import type { GossipMessage } from '../../runtime/gossip/messages.js';
import { killAndWatch, watchFalseDeaths } from '../../test/gossip/scenarios.js';
import { GossipSim, nodeId, type NetworkOptions } from '../../test/gossip/sim.js';

const encoder = new Encoder({ useRecords: false, tagUint8Array: false });
const linkEnvelopeBytes = 24;
const linkFrameOverheadBytes = 6 + 22 + 66;
const bareTcpAckBytes = 66;
const benchKey = new Uint8Array(32);
const wireBytes = (message: GossipMessage): number => {
  if (message.type === 'ping' || message.type === 'ack') {
    const datagram = encodeProbeDatagram(message, 1, benchKey);
    if (datagram) return datagram.byteLength + datagramHeadersBytes;
  }
  return encoder.encode(message).length + linkEnvelopeBytes + linkFrameOverheadBytes + bareTcpAckBytes;
};
/** A LAN: 1-5 ms, 1% loss. */
const lan: NetworkOptions = { latencyMsMin: 1, latencyMsMax: 5, lossRate: 0.01 };

function cluster(config: GossipConfig, size: number, seed: number, network: NetworkOptions, measureBytes = false): GossipSim {
  const sim = new GossipSim({ seed, size, config, network, messageBytes: measureBytes ? wireBytes : undefined });
  if (size > 100) sim.preload();
  else sim.joinAll();
  // Metered timing converges slowly after a join storm: a member that missed the news hears of the newcomer when
  // the newcomer first probes it (at worst about n probe intervals), or at the next push-pull.
  sim.runUntilConverged(600_000, 1000);
  return sim;
}

/** Kill-to-everyone-declared-dead times in ms, over seeds × kills (each victim restarted before the next kill). */
export function detections(config: GossipConfig, size: number, seeds: number, kills: number): { times: number[]; falseDeaths: number } {
  const times: number[] = [];
  let falseDeaths = 0;
  for (let seed = 1; seed <= seeds; seed += 1) {
    const sim = cluster(config, size, seed, lan);
    const watched = watchFalseDeaths(sim);
    for (let round = 0; round < kills; round += 1) {
      const victim = nodeId(1 + sim.rng.int(size - 1));
      const detection = killAndWatch(sim, victim, 60_000);
      times.push(detection.allMs);
      sim.restart(victim, nodeId(0));
      sim.runFor(5000);
    }
    falseDeaths += watched.length;
  }
  return { times, falseDeaths };
}

/** Bytes in and out per node per second of a quiet cluster (no failures, no loss), over `windowMs`. */
export function idleBytesPerNodePerSecond(config: GossipConfig, size: number, windowMs: number): number {
  const sim = cluster(config, size, 7, { latencyMsMin: 1, latencyMsMax: 5, lossRate: 0 }, true);
  sim.runFor(10_000);
  sim.resetTraffic();
  sim.runFor(windowMs);
  return (2 * sim.totalBytesSent()) / size / (windowMs / 1000);
}

/** False deaths over `blips` 1-second link drops (one node at a time), 5% loss. */
export function blipFalseDeaths(config: GossipConfig, size: number, blips: number): number {
  const sim = cluster(config, size, 11, { latencyMsMin: 1, latencyMsMax: 5, lossRate: 0.05 });
  const watched = watchFalseDeaths(sim);
  for (let round = 0; round < blips; round += 1) {
    const fromMs = sim.nowMs + sim.rng.int(200);
    sim.blip(nodeId(sim.rng.int(size)), fromMs, fromMs + 1000);
    sim.runFor(6000);
  }
  return watched.length;
}

function presetMeasures(prefix: string, config: GossipConfig, ci: boolean): Measure[] {
  const { times, falseDeaths } = detections(config, 50, ci ? 2 : 5, ci ? 6 : 8);
  // A whole number of push-pull intervals (as stretched for 50 members), so each node's full-state exchanges count fully.
  const pushPullMs = pushPullIntervalTicks(config, 50) * config.tickMs;
  const windowMs = (ci ? 1 : 2) * pushPullMs;
  const idle = idleBytesPerNodePerSecond(config, 50, windowMs);
  const timing = `probe ${config.probeIntervalTicks * config.tickMs} ms, suspicion ${config.suspicionMinTicks * config.tickMs}-${config.suspicionMaxTicks * config.tickMs} ms`;
  const note = `${times.length} kills at N=50, 1-5 ms links, 1% loss; ${timing}`;
  return [
    { name: `gossip.${prefix}DetectionMsP50`, value: median(times), unit: 'ms', note },
    { name: `gossip.${prefix}DetectionMsP99`, value: percentile(times, 0.99), unit: 'ms', note },
    { name: `gossip.${prefix}FalseDeathsDuringKills`, value: falseDeaths, unit: 'events', note },
    {
      name: `gossip.${prefix}IdleBytesPerSecondPerNode50`,
      value: Math.round(idle),
      unit: 'bytes/s',
      note: `N=50, no loss, ${windowMs / 1000} s window; in+out with all headers: probes as UDP datagrams, the rest on TLS links`,
    },
  ];
}

export const suite: BenchSuite = {
  name: 'gossip',
  async run({ ci }) {
    const lanConfig = lanDefaults();
    const measures = [...presetMeasures('lan', lanConfig, ci), ...presetMeasures('metered', meteredLinkDefaults(), ci)];
    const large = detections(lanConfig, 500, 1, ci ? 3 : 6);
    measures.push({
      name: 'gossip.lanDetectionMsP50At500',
      value: median(large.times),
      unit: 'ms',
      note: `${large.times.length} kills at N=500, 1% loss (${large.times.join(', ')} ms)`,
    });
    measures.push({
      name: 'gossip.lanFalseDeathsAfter1sBlips',
      value: blipFalseDeaths(lanConfig, 50, ci ? 10 : 30) + large.falseDeaths,
      unit: 'events',
      note: `${ci ? 10 : 30} one-second link drops at N=50 with 5% loss, plus the N=500 kill runs`,
    });
    return measures;
  },
};
