/**
 * A Compose service's deploy: section → the scheduling, resource, restart
 * and rollout parts of a ServiceSpec. Readers change only the fields they
 * read without a problem; everything else keeps defaultServiceSpec's value,
 * which matches Docker's defaults.
 */
import type { FailureAction, RestartCondition, ServiceSpec, UpdateConfig, UpdateOrder } from '../store/services.js';
import {
  deployKeys, limitsKeys, placementKeys, preferenceKeys, reservationsKeys, resourcesKeys, restartPolicyKeys, updateConfigKeys,
} from './compose-keys.js';
import { parseConstraint, parseSpreadTarget } from './constraint.js';
import { cpuLimitMax, cpuLimitMin, constraintsCountMax, pidsLimitMax, replicasMax, restartAttemptsMax, spreadCountMax } from './limits.js';
import { applyMode, isGlobalMode, isJobMode, serviceModes } from './service-defaults.js';
import { readChoice, readDuration, readMemory } from './yaml-fields.js';
import type { YamlValue } from './yaml-value.js';

const restartConditions: readonly RestartCondition[] = ['none', 'on-failure', 'any'];
const updateOrders: readonly UpdateOrder[] = ['stop-first', 'start-first'];

export function readDeploy(value: YamlValue, spec: ServiceSpec): void {
  const fields = value.fields(deployKeys);
  if (fields === null) return;
  const mode = fields.get('mode');
  const modeChoice = readChoice(mode, serviceModes);
  if (modeChoice !== null) applyMode(spec, modeChoice);
  const replicas = fields.get('replicas');
  if (replicas !== undefined) {
    const count = replicas.integer({ min: 0, max: replicasMax });
    if (count !== null && isGlobalMode(spec.mode)) replicas.report('EDGE_SPEC_BAD_VALUE', `is set but mode is ${spec.mode}, which runs one task per node; remove replicas or use a replicated mode`);
    else if (count !== null) spec.replicas = count;
  }
  const placement = fields.get('placement');
  if (placement !== undefined) readPlacement(placement, spec);
  const resources = fields.get('resources');
  if (resources !== undefined) readResources(resources, spec);
  const restart = fields.get('restart_policy');
  if (restart !== undefined) readRestartPolicy(restart, spec);
  const update = fields.get('update_config');
  if (update !== undefined) readUpdateConfig(update, spec.update, ['continue', 'pause', 'rollback']);
  // A rollback that fails cannot itself roll back, so Docker allows only pause or continue here.
  const rollback = fields.get('rollback_config');
  if (rollback !== undefined) readUpdateConfig(rollback, spec.rollback, ['continue', 'pause']);
}

function readPlacement(value: YamlValue, spec: ServiceSpec): void {
  const fields = value.fields(placementKeys);
  if (fields === null) return;
  for (const item of fields.get('constraints')?.items(constraintsCountMax) ?? []) {
    const text = item.string();
    const constraint = text === null ? null : item.parse(text, parseConstraint);
    if (constraint !== null) spec.placement.constraints.push(constraint);
  }
  for (const item of fields.get('preferences')?.items(spreadCountMax) ?? []) {
    const spread = item.fields(preferenceKeys)?.get('spread');
    if (spread === undefined) {
      if (item.kind === 'map') item.report('EDGE_SPEC_MISSING_KEY', 'has no spread; write - spread: node.labels.<key>');
      continue;
    }
    const text = spread.string();
    const target = text === null ? null : spread.parse(text, parseSpreadTarget);
    if (target !== null) spec.placement.spreadOver.push(target);
  }
  const perNode = fields.get('max_replicas_per_node')?.integer({ min: 0, max: replicasMax });
  if (perNode !== undefined && perNode !== null) spec.placement.maxReplicasPerNode = perNode;
}

function readResources(value: YamlValue, spec: ServiceSpec): void {
  const fields = value.fields(resourcesKeys);
  if (fields === null) return;
  const limits = fields.get('limits')?.fields(limitsKeys);
  const memoryLimit = readMemory(limits?.get('memory'));
  if (memoryLimit !== null) spec.resources.memoryLimitBytes = memoryLimit;
  const cpus = limits?.get('cpus')?.number({ min: cpuLimitMin, max: cpuLimitMax });
  if (cpus !== undefined && cpus !== null) spec.resources.cpuLimit = cpus;
  const pids = limits?.get('pids')?.integer({ min: 1, max: pidsLimitMax });
  if (pids !== undefined && pids !== null) spec.resources.pidsLimit = pids;
  const reservations = fields.get('reservations')?.fields(reservationsKeys);
  const reservationValue = reservations?.get('memory');
  const memoryReservation = readMemory(reservationValue);
  if (memoryReservation !== null && memoryLimit !== null && memoryLimit > 0 && memoryReservation > memoryLimit) {
    reservationValue?.report('EDGE_SPEC_BAD_VALUE', 'is more than deploy.resources.limits.memory; a task could never use all that is reserved for it');
  } else if (memoryReservation !== null) spec.resources.memoryReservationBytes = memoryReservation;
}

function readRestartPolicy(value: YamlValue, spec: ServiceSpec): void {
  const fields = value.fields(restartPolicyKeys);
  if (fields === null) return;
  const conditionValue = fields.get('condition');
  const condition = readChoice(conditionValue, restartConditions);
  if (conditionValue !== undefined && condition === 'any' && isJobMode(spec.mode)) {
    conditionValue.report('EDGE_SPEC_BAD_VALUE', `is any, but a ${spec.mode} restarting after success would never complete; use on-failure or none`);
  } else if (condition !== null) spec.restartPolicy.condition = condition;
  spec.restartPolicy.delayMs = readDuration(fields.get('delay'), 0) ?? spec.restartPolicy.delayMs;
  spec.restartPolicy.windowMs = readDuration(fields.get('window'), 0) ?? spec.restartPolicy.windowMs;
  const attempts = fields.get('max_attempts')?.integer({ min: 0, max: restartAttemptsMax });
  if (attempts !== undefined && attempts !== null) spec.restartPolicy.maxAttempts = attempts;
}

function readUpdateConfig(value: YamlValue, config: UpdateConfig, failureActions: readonly FailureAction[]): void {
  const fields = value.fields(updateConfigKeys);
  if (fields === null) return;
  const parallelism = fields.get('parallelism')?.integer({ min: 0, max: replicasMax });
  if (parallelism !== undefined && parallelism !== null) config.parallelism = parallelism;
  config.delayMs = readDuration(fields.get('delay'), 0) ?? config.delayMs;
  config.monitorMs = readDuration(fields.get('monitor'), 0) ?? config.monitorMs;
  const actionChoice = readChoice(fields.get('failure_action'), failureActions);
  if (actionChoice !== null) config.failureAction = actionChoice;
  const ratio = fields.get('max_failure_ratio')?.number({ min: 0, max: 1 });
  if (ratio !== undefined && ratio !== null) config.maxFailureRatio = ratio;
  const orderChoice = readChoice(fields.get('order'), updateOrders);
  if (orderChoice !== null) config.order = orderChoice;
}
