// The sentence a pending task carries in its `message`, for `service ps`:
// every refusal, the filters that turned away the most nodes first, e.g.
// "no suitable node (insufficient memory on 3 nodes: needs 512 MiB, most free
// 200 MiB on pi-3; constraint node.labels.zone==b matched 0 of 2 nodes; 1 node draining)".
import type { SchedulerError } from './errors.js';
import { filterNames, type Rejection } from './types.js';

/** Most nodes first; equal counts in pipeline order, so the text is stable. */
export function orderRejections(rejections: readonly Rejection[]): Rejection[] {
  return [...rejections].sort((left, right) => right.nodes - left.nodes || filterNames.indexOf(left.filter) - filterNames.indexOf(right.filter));
}

export function noSuitableNode(rejections: readonly Rejection[], nodesTotal: number): string {
  if (nodesTotal === 0) return 'no suitable node (the cluster has no nodes)';
  return `no suitable node (${rejections.map((rejection) => rejection.text).join('; ')})`;
}

export function pinnedNodeRefuses(hostname: string, rejections: readonly Rejection[]): string {
  return `node ${hostname} cannot take this task (${rejections.map((rejection) => rejection.text).join('; ')})`;
}

export function pinnedNodeMissing(nodeId: string): string {
  return `node ${nodeId} is not in the cluster: the task waits until it joins again or the service is updated`;
}

export function specInvalid(error: SchedulerError): string {
  return `cannot schedule: ${error.message} (${error.field}); fix it with edgectl service update`;
}
