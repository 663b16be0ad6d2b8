// Scenario steps shared by the simulation tests and the benchmark: each
// drives a GossipSim and returns what happened, and the invariant watcher
// records any "dead" verdict about a member that was in fact running.
import { detectionTime } from '../../runtime/gossip/config.js';
import { GossipSim, type Observation } from './sim.js';

/** The seed to use: GOSSIP_SEED from the environment (to replay a failure) or the test's own. */
export function seedFor(defaultSeed: number): number {
  const fromEnv = process.env.GOSSIP_SEED;
  if (fromEnv === undefined || fromEnv === '') return defaultSeed;
  const seed = Number(fromEnv);
  if (!Number.isSafeInteger(seed)) throw new Error(`GOSSIP_SEED must be a whole number, got ${fromEnv}`);
  return seed;
}

/** Runs `body`; a failure is rethrown with the seed and the command that replays it. */
export function replayable<T>(seed: number, file: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const replay = new Error(`${message}\n    seed ${seed}; replay with: GOSSIP_SEED=${seed} node --import tsx ${file}`);
    if (error instanceof Error && error.stack !== undefined) replay.stack = `${replay.message}\n${error.stack}`;
    throw replay;
  }
}

/**
 * Watches every observation: a "dead" about a member that is running and has
 * not been told to leave is a false death. The list is checked by the tests.
 */
export function watchFalseDeaths(sim: GossipSim): Observation[] {
  const falseDeaths: Observation[] = [];
  sim.onObservation = (observation) => {
    if (observation.kind !== 'dead') return;
    const member = sim.nodes.find((node) => node.id === observation.member);
    if (member !== undefined && member.core !== null && !member.leaving) falseDeaths.push(observation);
  };
  return falseDeaths;
}

export interface Detection {
  victim: string;
  /** Kill to the first live node declaring it dead, in ms. */
  firstMs: number;
  /** Kill to the last live node declaring it dead, in ms (Infinity if some never did). */
  allMs: number;
  /** Live nodes that never declared it dead within the wait. */
  missing: string[];
}

/** Kills `victim` and runs until every live node declared it dead, or `waitMs` passed. */
export function killAndWatch(sim: GossipSim, victim: string, waitMs: number): Detection {
  const killedAtMs = sim.nowMs;
  sim.kill(victim);
  const live = (): string[] => sim.running().map((node) => node.id);
  const declared = new Map<string, number>();
  const stepMs = sim.config.tickMs;
  for (let elapsed = 0; elapsed < waitMs; elapsed += stepMs) {
    sim.runFor(stepMs);
    for (const observation of sim.seen(victim, 'dead', killedAtMs)) {
      if (!declared.has(observation.observer)) declared.set(observation.observer, observation.atMs - killedAtMs);
    }
    if (live().every((id) => declared.has(id))) break;
  }
  const missing = live().filter((id) => !declared.has(id));
  const times = live().map((id) => declared.get(id) ?? Number.POSITIVE_INFINITY);
  return { victim, firstMs: Math.min(...times), allMs: Math.max(...times), missing };
}

/** The formula's bound for this simulation, in ms. */
export function detectionBoundMs(sim: GossipSim): number {
  return detectionTime(sim.config, sim.nodes.length).boundMs;
}

/** Restarts `id` with its state lost and waits until every live node sees it alive again; returns the incarnation seen. */
export function restartAndWatch(sim: GossipSim, id: string, seedId: string, waitMs: number): { incarnations: Map<string, number>; missing: string[] } {
  const restartedAtMs = sim.nowMs;
  sim.restart(id, seedId);
  const incarnations = new Map<string, number>();
  for (let elapsed = 0; elapsed < waitMs; elapsed += 250) {
    sim.runFor(250);
    for (const observation of sim.seen(id, 'alive', restartedAtMs)) {
      if (observation.observer !== id) incarnations.set(observation.observer, observation.incarnation);
    }
    const others = sim.running().filter((node) => node.id !== id);
    if (others.every((node) => incarnations.has(node.id))) break;
  }
  const missing = sim
    .running()
    .filter((node) => node.id !== id && !incarnations.has(node.id))
    .map((node) => node.id);
  return { incarnations, missing };
}
