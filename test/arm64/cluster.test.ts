// Proves the shipped bundles work on arm64: dist/edged.js and dist/edgectl.js, run by arm64 Node.js (host's major) under qemu-aarch64-static, start an agent, initialise a one-node swarm, and report the node's platform and the agent's arch as arm64.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NodeView } from '../../runtime/wire/messages/control.js';
import { needsCommands } from '../common/env.js';
import { runArm64Cli, runToEnd, startArm64Agent, type Arm64Agent, type CliRun } from './agent.js';
import { ARM64_HOST_COMMANDS, arm64Node, prepareArm64Runtime, REPO_ROOT, type Arm64Runtime } from './runtime.js';

const ready = needsCommands(...ARM64_HOST_COMMANDS);
let runtime: Arm64Runtime | undefined;
let agent: Arm64Agent | undefined;

/** The daemon's name for an arch; its arm64 must stay arm64 (x64 would be amd64). */
const EXPECTED_ARCH = 'arm64';

function describe(result: CliRun): string {
  return `exit ${result.code ?? result.signal}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}${agent ? `\nedged printed:\n${agent.output()}` : ''}`;
}

async function edgectl(...argv: string[]): Promise<CliRun> {
  if (!runtime || !agent) throw new Error('setup did not finish: see the error printed before the tests');
  const result = await runArm64Cli(runtime, ['--host', agent.socketPath, ...argv]);
  assert.is(result.code, 0, `edgectl ${argv.join(' ')} failed: ${describe(result)}`);
  return result;
}

test.before(async () => {
  if (!ready) return;
  // uvu drops an error thrown by a hook without printing it; print it before it is lost.
  try {
    const bundle = spawnSync('npm', ['run', '--silent', 'bundle'], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (bundle.status !== 0) throw new Error(`npm run bundle failed:\n${bundle.stdout}${bundle.stderr}`);
    runtime = prepareArm64Runtime();
    agent = await startArm64Agent(runtime);
  } catch (error) {
    console.error('arm64 setup failed:', error);
    throw error;
  }
});

test.after(async () => {
  await agent?.stop();
});

test('qemu runs the arm64 build of Node.js with the host major', async () => {
  if (!ready) return;
  if (!runtime) throw new Error('setup did not finish: see the error printed before the tests');
  const { command, args } = arm64Node(runtime, ['-p', 'process.arch + " " + process.versions.node']);
  const result = await runToEnd(command, args, 60_000);
  assert.is(result.code, 0, describe(result));
  const [arch, version] = result.stdout.trim().split(' ');
  assert.is(arch, EXPECTED_ARCH);
  assert.is(version?.split('.')[0], process.versions.node.split('.')[0]);
});

test('edgectl swarm init makes the arm64 agent the first manager', async () => {
  if (!ready) return;
  const result = await edgectl('swarm', 'init', '--json');
  const init = JSON.parse(result.stdout) as { nodeId: string; addr: string };
  assert.ok(init.nodeId.length > 0, result.stdout);
  assert.is(init.addr, agent!.listenAddr);
});

test('edgectl node ls --json reports the node as linux/arm64, a ready leader', async () => {
  if (!ready) return;
  const result = await edgectl('node', 'ls', '--json');
  const nodes = JSON.parse(result.stdout) as NodeView[];
  assert.is(nodes.length, 1, result.stdout);
  const node = nodes[0]!;
  assert.equal(node.platform, { os: 'linux', arch: EXPECTED_ARCH });
  assert.is(node.role, 'manager');
  assert.is(node.status, 'ready');
  assert.is(node.managerStatus, 'leader');
});

test('edgectl info --json shows an active swarm on arch arm64', async () => {
  if (!ready) return;
  const result = await edgectl('info', '--json');
  const info = JSON.parse(result.stdout) as { state: string; arch: string; nodes: number; managers: number };
  assert.is(info.arch, EXPECTED_ARCH);
  assert.is(info.state, 'active');
  assert.is(info.nodes, 1);
  assert.is(info.managers, 1);
});

test.run();
