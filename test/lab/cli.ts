// `npm run lab -- up N | down | status | edgectl I ARGS…`: a fleet of real
// edged processes on this Linux machine (root), one per network namespace.
//
//   sudo npm run lab -- up 3        build, start 3 hosts, init on host 1, join the others
//   sudo npm run lab -- up 3 --deploy examples/web-stack.yml   … and deploy a stack
//   sudo npm run lab -- status      node ls as host 1 sees it
//   sudo npm run lab -- edgectl 2 node ls     run edgectl against host 2's edged
//   sudo npm run lab -- down        stop everything and remove the namespaces
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Lab } from './lab.js';
import { Fleet, nodesByHostname, waitUntil } from './fleet.js';
import { startLabRegistry } from './registry.js';

const labName = 'edgelab';
const root = process.cwd();

function usage(): never {
  console.error('usage: npm run lab -- up N [--deploy STACK.yml] | down | status | edgectl HOST ARGS...');
  process.exit(2);
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    console.error('the lab creates network namespaces: run it as root (sudo npm run lab -- …)');
    process.exit(1);
  }
}

function attach(): Fleet {
  if (!existsSync(`/tmp/edgelab-${labName}/state.json`)) {
    console.error('no lab is up: start one with `npm run lab -- up 3`');
    process.exit(1);
  }
  return new Fleet(Lab.attach(labName));
}

function printNodes(nodes: Map<string, any>): void {
  const rows = [...nodes.values()].map((node) => [node.hostname, node.role, node.status, node.availability, node.managerStatus ?? '', node.addr, node.platform.arch]);
  const headers = ['HOSTNAME', 'ROLE', 'STATUS', 'AVAILABILITY', 'MANAGER STATUS', 'ADDRESS', 'ARCH'];
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => String(row[column]).length)));
  for (const row of [headers, ...rows]) console.log(row.map((cell, column) => String(cell).padEnd(widths[column]!)).join('   ').trimEnd());
}

async function up(count: number, deploy: string | undefined): Promise<void> {
  requireRoot();
  if (!Number.isInteger(count) || count < 1 || count > 20) usage();
  console.log('building dist/ …');
  execFileSync('npm', ['run', '--silent', 'bundle'], { cwd: root, stdio: 'inherit' });
  const fleet = Fleet.create({ name: labName, hosts: count });
  console.log('starting a registry on the lab bridge (10.254.42.1:5000) with a busybox image …');
  await startLabRegistry(fleet.lab);
  for (let index = 1; index <= count; index++) fleet.start(index);
  for (let index = 1; index <= count; index++) await fleet.ready(index);
  const init = await fleet.call(1, 'swarm.init', {});
  console.log(`host1 (${fleet.address(1)}) created cluster ${init.clusterId}`);
  for (let index = 2; index <= count; index++) {
    await fleet.call(index, 'swarm.join', { token: init.workerToken, manager: fleet.address(1) });
    console.log(`host${index} (${fleet.address(index)}) joined as a worker`);
  }
  await waitUntil(async () => [...(await nodesByHostname(fleet, 1)).values()].filter((node) => node.status === 'ready').length === count, 15_000, 'every node ready');
  printNodes(await nodesByHostname(fleet, 1));
  if (deploy) {
    console.log(`\n$ edgectl service deploy -f ${deploy} --stack demo`);
    const edgectl = join(root, 'dist/edgectl.js');
    const socket = fleet.lab.host(1).controlSocket;
    const deployed = spawnSync(process.execPath, [edgectl, '--host', socket, 'service', 'deploy', '-f', deploy, '--stack', 'demo', '--timeout', '90s'], { stdio: 'inherit' });
    console.log('\n$ edgectl service ls');
    spawnSync(process.execPath, [edgectl, '--host', socket, 'service', 'ls'], { stdio: 'inherit' });
    if (deployed.status !== 0) console.log('(the deploy did not fully converge: the service ls above says why)');
  }
  console.log(`\nlab is up. Logs: ${join(fleet.lab.stateDir, 'hostN', 'edged.log')}. Try: npm run lab -- edgectl 1 node ls; stop with: npm run lab -- down`);
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'up': {
      const deployIndex = rest.indexOf('--deploy');
      const deploy = deployIndex >= 0 ? rest[deployIndex + 1] : undefined;
      await up(Number(rest[0] ?? 3), deploy);
      return;
    }
    case 'down':
      requireRoot();
      Lab.destroyByName(labName);
      console.log('lab is down');
      return;
    case 'status':
      requireRoot();
      printNodes(await nodesByHostname(attach(), 1));
      return;
    case 'edgectl': {
      requireRoot();
      const fleet = attach();
      const index = Number(rest[0]);
      const host = fleet.lab.host(index);
      const result = spawnSync(process.execPath, [join(root, 'dist/edgectl.js'), '--host', host.controlSocket, ...rest.slice(1)], { stdio: 'inherit' });
      process.exit(result.status ?? 1);
    }
    default:
      usage();
  }
}

main().catch((error: unknown) => {
  console.error(`lab: ${(error as Error).message}`);
  process.exit(1);
});
