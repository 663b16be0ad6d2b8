// The executor's public face: createExecutor() for the real one, the shared
// types, the fake for tests of the agent. See README.md beside this file.
import { mkdir } from 'node:fs/promises';
import { readCgroupLayout } from './cgroups.js';
import { validateExecutorConfig, type ExecutorConfig } from './config.js';
import { OciExecutor } from './oci-executor.js';
import { recoverContainers } from './recovery.js';
import { chooseRuntime, findRuntimeBinaries, OciRuntime, probeTraits } from './runtime.js';
import { installShim } from './shim.js';
import type { Executor, RecoveryReport } from './types.js';

export type { ExecutorConfig } from './config.js';
export { executorDefaults } from './config.js';
export * from './errors.js';
export { FakeExecutor, FakeHost, fakeProgramArgs, type FakeProgram } from './fake-executor.js';
export type { RuntimeName } from './runtime.js';
export { ManualTimers, systemTimers, type Timers } from './timers.js';
export * from './types.js';

export interface CreatedExecutor extends Executor {
  /** What was found from the previous agent (see recovery.ts for the policy). */
  readonly recovery: RecoveryReport;
  /** "1" or "2": which cgroup hierarchy the host runs. */
  readonly cgroupVersion: 1 | 2;
}

/**
 * Builds the executor for this host: reads the cgroup layout, picks crun or
 * runc, installs the shim script, adopts what a previous agent left running,
 * and starts the periodic log check. Safe to call again after close(): the
 * new executor adopts the same containers.
 */
export async function createExecutor(config: ExecutorConfig): Promise<CreatedExecutor> {
  const resolved = validateExecutorConfig(config);
  const layout = resolved.cgroupLayout ?? (await readCgroupLayout());
  const choice = chooseRuntime({
    ...(resolved.runtime === undefined ? {} : { requested: resolved.runtime }),
    cgroupVersion: layout.version,
    binaries: await findRuntimeBinaries(),
  });
  const runtime = new OciRuntime(choice.binaryPath, resolved.runtimeRoot, await probeTraits(choice.name, choice.binaryPath));
  await mkdir(resolved.dataDir, { recursive: true });
  await mkdir(resolved.runtimeRoot, { recursive: true, mode: 0o700 });
  const shimPath = await installShim(resolved.dataDir);
  const recovery = await recoverContainers({
    dataDir: resolved.dataDir,
    runtime,
    layout,
    cgroupParent: resolved.cgroupParent,
    startTimeoutMs: resolved.startTimeoutMs,
    nowMs: () => resolved.clock.nowMs(),
  });
  const executor = new OciExecutor(resolved, runtime, layout, shimPath);
  executor.resume(recovery.adopted);
  return Object.assign(executor, { recovery, cgroupVersion: layout.version });
}
