// The task runner on this node: the executor (runc/crun), the image store and
// the agent that ties them to the dispatcher. Every node has one, managers
// included; a node without an OCI runtime logs why and runs no tasks.
import { join } from 'node:path';
import { createAgent, type Agent, type AgentTopic } from '../agent/index.js';
import { createExecutor, type CreatedExecutor } from '../containers/executor/index.js';
import { ImageService } from '../containers/image/index.js';
import type { NodeContext } from './context.js';

export interface NodeAgentParts {
  agent: Agent;
  executor: CreatedExecutor;
}

/**
 * Starts the agent; `send` carries its messages to a dispatcher. Returns
 * undefined (and logs the fix) when containers cannot run here.
 */
export async function startNodeAgent(context: NodeContext, nodeId: string, send: (topic: AgentTopic, body: unknown) => void): Promise<NodeAgentParts | undefined> {
  const dataDir = context.config.dataDir;
  let agent: Agent | undefined;
  try {
    const executor = await createExecutor({
      dataDir: join(dataDir, 'containers'),
      runtimeRoot: join(context.config.runtimeRoot || join(dataDir, 'run'), 'runtime'),
      onHealthChange: (event) => agent?.onHealthChange(event),
    });
    const images = await ImageService.open({ dataDir: join(dataDir, 'images'), insecureRegistries: context.config.insecureRegistries });
    agent = await createAgent({ nodeId, executor, images, send, clock: context.time, log: (line) => context.log(`agent: ${line}`), stateDir: dataDir });
    const adopted = executor.recovery.adopted.length;
    context.log(`agent: running tasks with cgroup v${executor.cgroupVersion}${adopted > 0 ? `; ${adopted} container(s) from before the restart adopted` : ''}`);
    return { agent, executor };
  } catch (error) {
    context.log(`agent: this node will run no tasks: ${(error as Error).message}`);
    return undefined;
  }
}

export interface LogLine {
  task: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** The last `tailLines` lines of each task's container (container id = task id); unknown tasks give nothing. */
export async function readTaskLogs(executor: CreatedExecutor, taskIds: readonly string[], tailLines: number): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  for (const task of taskIds) {
    const taskLines: LogLine[] = [];
    try {
      for await (const line of executor.logs(task, { follow: false })) {
        taskLines.push({ task, stream: line.stream, text: line.text.slice(0, 64 * 1024) });
        // Keep memory bounded on a board: only the tail is ever returned.
        if (taskLines.length > tailLines * 2 + 1000) taskLines.splice(0, taskLines.length - tailLines);
      }
    } catch {
      continue; // no such container here (removed, or never started)
    }
    lines.push(...taskLines.slice(-tailLines));
  }
  return lines;
}
