// Top-level commands about this node and this program: `edgectl info` (the
// swarm as the local edged sees it, like `docker info`'s Swarm section) and
// `edgectl version`.
import { version } from '../common/version.js';
import type { Command } from './command.js';
import { LocalNode, type SwarmInfo } from './local-node.js';
import { fields, type FieldRow } from './output.js';

function infoRows(info: SwarmInfo, socketPath: string): FieldRow[] {
  const rows: FieldRow[] = [['Swarm', info.state]];
  if (info.message !== '') rows.push([' Message', info.message]);
  if (info.state === 'active' || info.nodeId !== '') {
    rows.push(
      [' NodeID', info.nodeId],
      [' Is Manager', String(info.role === 'manager')],
      [' ClusterID', info.clusterId],
      [' Managers', String(info.managers)],
      [' Nodes', String(info.nodes)],
      [' Leader', info.leader],
      [' Node Address', info.addr],
    );
  }
  rows.push(['Server Version', info.version], ['Architecture', info.arch], ['Control Socket', socketPath]);
  return rows;
}

export const infoCommand: Command = {
  name: 'info',
  summary: "Show this node's swarm state: node, role, cluster, managers, leader",
  args: [],
  flags: [],
  async run(context) {
    const info = await new LocalNode(await context.control()).swarmInfo();
    if (context.json) context.printJson(info);
    else context.print(fields(infoRows(info, context.socketPath)));
  },
};

export const versionCommand: Command = {
  name: 'version',
  summary: 'Show the edgectl version',
  args: [],
  flags: [],
  details: 'Works without edged; `edgectl info` shows the version of the edged it talks to.',
  async run(context) {
    if (context.json) context.printJson({ version });
    else context.print(`edgectl version ${version}`);
  },
};
