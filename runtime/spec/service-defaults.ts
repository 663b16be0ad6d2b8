/**
 * Defaults that Docker applies and the store's defaultServiceSpec cannot
 * know about, shared by the stack file and flag parsers so both paths give
 * the same spec for the same intent.
 */
import type { HealthCheck, ServiceMode, ServiceSpec } from '../store/services.js';

/** Docker's health check timings when a file or flag leaves them out. */
export const healthCheckDefaults: Omit<HealthCheck, 'command'> = {
  intervalMs: 30_000,
  timeoutMs: 30_000,
  retries: 3,
  startPeriodMs: 0,
};

export const serviceModes: readonly ServiceMode[] = ['replicated', 'global', 'replicated-job', 'global-job'];

export function isJobMode(mode: ServiceMode): boolean {
  return mode === 'replicated-job' || mode === 'global-job';
}

export function isGlobalMode(mode: ServiceMode): boolean {
  return mode === 'global' || mode === 'global-job';
}

/**
 * Sets the mode and what follows from it, before any explicit restart
 * setting is applied. A job runs to completion, so "any" (restart even after
 * success) would never let it finish: Docker makes jobs restart on failure
 * only, and so does edgectl.
 */
export function applyMode(spec: ServiceSpec, mode: ServiceMode): void {
  spec.mode = mode;
  if (isJobMode(mode)) spec.restartPolicy.condition = 'on-failure';
}

/** Health check command for a shell string, as Docker's CMD-SHELL runs it. */
export function shellHealthCommand(script: string): string[] {
  return ['/bin/sh', '-c', script];
}
