// The node edgectl runs on, as edged reports it. Lets users write `self`
// where a node ID or hostname goes (`edgectl node update --availability
// drain self`) and lets `node ls` mark the local node with `*`.
import type { ControlClient, ControlResponse } from './control-client.js';
import { cliErrors } from './errors.js';
import { parseNodeRef } from './flag-values.js';

/** The word that stands for the local node. A node whose hostname is literally "self" is reached by its ID. */
export const selfRef = 'self';

export type SwarmInfo = ControlResponse<'swarm.info'>;

/** Asks edged once per command, however many `self`s the command line holds. */
export class LocalNode {
  private info: Promise<SwarmInfo> | undefined;

  constructor(private readonly client: ControlClient) {}

  swarmInfo(): Promise<SwarmInfo> {
    this.info ??= this.client.call('swarm.info', {});
    return this.info;
  }

  /** The node id of this node; EDGE_CLI_NOT_IN_SWARM when it has none. */
  async nodeId(): Promise<string> {
    const info = await this.swarmInfo();
    if (info.state !== 'active' || info.nodeId === '') throw cliErrors.notInSwarm(info.state);
    return info.nodeId;
  }

  /** A NODE argument as edged takes it: checked, with `self` replaced by this node's id. */
  async resolve(ref: string, what: string): Promise<string> {
    parseNodeRef(ref, what);
    return ref === selfRef ? this.nodeId() : ref;
  }
}
