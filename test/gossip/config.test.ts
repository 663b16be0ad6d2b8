import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  detectionTime,
  lanDefaults,
  meteredLinkDefaults,
  pushPullIntervalTicks,
  retransmitLimit,
  simulationDefaults,
  validateConfig,
  type GossipConfig,
} from '../../runtime/gossip/config.js';
import { GossipError } from '../../runtime/gossip/errors.js';

function rejection(config: GossipConfig): GossipError {
  try {
    validateConfig(config);
  } catch (error) {
    assert.instance(error, GossipError);
    return error as GossipError;
  }
  throw new Error('validateConfig accepted an invalid config');
}

test('every preset passes its own validation and keeps the LAN probe timing where intended', () => {
  // Proves the presets are valid and are overrides of one base (simulation keeps LAN timing).
  for (const preset of [lanDefaults(), meteredLinkDefaults(), simulationDefaults()]) validateConfig(preset);
  const lan = lanDefaults();
  const simulation = simulationDefaults();
  assert.is(simulation.probeIntervalTicks, lan.probeIntervalTicks);
  assert.is(simulation.suspicionMinTicks, lan.suspicionMinTicks);
  assert.is(simulation.tickMs, lan.tickMs);
  assert.ok(simulation.pushPullIntervalTicks < lan.pushPullIntervalTicks);
});

test('a field out of range is refused with its name and the allowed range', () => {
  // Proves validateConfig names the field and says what values it takes.
  const error = rejection({ ...lanDefaults(), gossipFanout: 0 });
  assert.is(error.code, 'EDGE_GOSSIP_CONFIG_INVALID');
  assert.is(error.field, 'gossipFanout');
  assert.match(error.message, /gossipFanout must be a whole number from 1 to 64, got 0/);
  assert.is(rejection({ ...lanDefaults(), tickMs: 2.5 }).field, 'tickMs');
  assert.is(rejection({ ...lanDefaults(), membersMax: Number.NaN }).field, 'membersMax');
});

test('inconsistent combinations are refused with the fix', () => {
  // Proves the cross-field rules: timeout < interval, nack fits the indirect phase, min <= max, min >= one interval.
  const timeout = rejection({ ...lanDefaults(), probeTimeoutTicks: lanDefaults().probeIntervalTicks });
  assert.is(timeout.field, 'probeTimeoutTicks');
  assert.match(timeout.message, /below probeIntervalTicks/);
  const lan = lanDefaults();
  assert.is(rejection({ ...lan, relayNackTicks: lan.probeIntervalTicks - lan.probeTimeoutTicks }).field, 'relayNackTicks');
  const suspicion = rejection({ ...lanDefaults(), suspicionMaxTicks: 10 });
  assert.is(suspicion.field, 'suspicionMaxTicks');
  assert.match(suspicion.message, /raise it/);
  assert.is(rejection({ ...lanDefaults(), suspicionMinTicks: 3, suspicionMaxTicks: 3 }).field, 'suspicionMinTicks');
  assert.is(rejection({ ...lanDefaults(), gossipToDeadTicks: 5000 }).field, 'deadRetentionTicks');
});

test('preset overrides are validated too', () => {
  // Proves a bad override cannot slip through a preset constructor.
  assert.throws(() => lanDefaults({ probeIntervalTicks: 1 }), (error: unknown) => error instanceof GossipError && error.field === 'probeIntervalTicks');
});

test('LAN detection estimate is under 2 s and metered trades detection time for bytes', () => {
  // Proves the documented trade-off holds in the formula: LAN < 2 s typical; metered slower but probes 5x less often.
  const lan = detectionTime(lanDefaults(), 50);
  const metered = detectionTime(meteredLinkDefaults(), 50);
  assert.ok(lan.typicalMs < 2000, `LAN typical ${lan.typicalMs} ms`);
  assert.ok(lan.boundMs > lan.typicalMs);
  assert.ok(metered.typicalMs > lan.typicalMs);
  const lanProbesPerSecond = 1000 / (lanDefaults().probeIntervalTicks * lanDefaults().tickMs);
  const meteredProbesPerSecond = 1000 / (meteredLinkDefaults().probeIntervalTicks * meteredLinkDefaults().tickMs);
  assert.is(lanProbesPerSecond / meteredProbesPerSecond, 5);
  // Typical = 1.5 probe intervals + suspicionMin + dissemination rounds, in ticks.
  const config = lanDefaults();
  assert.is(lan.typicalTicks, Math.ceil(1.5 * config.probeIntervalTicks) + config.suspicionMinTicks + 4);
  assert.is(lan.typicalMs, lan.typicalTicks * config.tickMs);
});

test('retransmit limit grows with log10(n) and push-pull stretches past the scale point', () => {
  // Proves the λ·log(n) rule and the push-pull stretch the config documents.
  const config = lanDefaults();
  assert.is(retransmitLimit(config, 1), config.retransmitMult);
  assert.is(retransmitLimit(config, 9), config.retransmitMult);
  assert.is(retransmitLimit(config, 50), 2 * config.retransmitMult);
  assert.is(retransmitLimit(config, 500), 3 * config.retransmitMult);
  assert.is(pushPullIntervalTicks(config, 32), config.pushPullIntervalTicks);
  assert.is(pushPullIntervalTicks(config, 64), 2 * config.pushPullIntervalTicks);
  assert.is(pushPullIntervalTicks(config, 500), 5 * config.pushPullIntervalTicks);
});

test.run();
