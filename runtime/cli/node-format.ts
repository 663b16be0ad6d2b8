// How nodes look: the `node ls` table, `node inspect --pretty`, and the JSON
// form scripts read (a NodeView with managerStatus null for workers).
import type { NodeView } from '../wire/messages/control.js';
import { ago, bytesText, capitalized, fields, table, type FieldRow } from './output.js';

/** Docker shows 12 characters of an ID in lists; enough to be unique in any fleet we expect. */
export const shortIdChars = 12;

export type NodeJson = Omit<NodeView, 'managerStatus'> & { managerStatus: NonNullable<NodeView['managerStatus']> | null };

/** The wire leaves managerStatus out for workers; JSON readers get an explicit null. */
export function nodeJson(node: NodeView): NodeJson {
  return { ...node, managerStatus: node.managerStatus ?? null };
}

/** Sorted by hostname, then ID, as `docker node ls` sorts: the same fleet always prints the same way. */
export function sortedNodes(nodes: readonly NodeView[]): NodeView[] {
  return [...nodes].sort((left, right) => left.hostname.localeCompare(right.hostname) || left.id.localeCompare(right.id));
}

export function nodeTable(nodes: readonly NodeView[], localNodeId: string | undefined): string {
  const headers = ['ID', 'HOSTNAME', 'STATUS', 'AVAILABILITY', 'MANAGER STATUS', 'ARCH', 'BOARD'];
  const rows = nodes.map((node) => [
    `${node.id.slice(0, shortIdChars)}${node.id === localNodeId ? ' *' : ''}`,
    node.hostname,
    capitalized(node.status),
    capitalized(node.availability),
    node.managerStatus ? capitalized(node.managerStatus) : '',
    node.platform.arch,
    node.board,
  ]);
  return table(headers, rows);
}

function labelRows(labels: NodeView['labels']): FieldRow[] {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return [['Labels', '']];
  return [['Labels'], ...keys.map((key) => ` - ${key}=${labels[key] ?? ''}`)];
}

/** `node inspect --pretty`: the fields a person checks, grouped as docker groups them. */
export function nodePretty(node: NodeView, nowMs: number): string {
  const rows: FieldRow[] = [
    ['ID', node.id],
    ['Hostname', node.hostname],
    ['Joined at', `${new Date(node.joinedAtMs).toISOString()} (${ago(node.joinedAtMs, nowMs)})`],
    ['Status'],
    [' State', capitalized(node.status)],
    [' Since', ago(node.statusChangedAtMs, nowMs)],
  ];
  if (node.statusMessage !== '') rows.push([' Message', node.statusMessage]);
  rows.push([' Availability', capitalized(node.availability)], [' Address', node.addr]);
  if (node.managerStatus) {
    rows.push(['Manager Status'], [' Raft ID', String(node.raftId)], [' Reachability', node.managerStatus === 'leader' ? 'Reachable' : capitalized(node.managerStatus)], [' Leader', node.managerStatus === 'leader' ? 'Yes' : 'No']);
  }
  rows.push(
    ['Platform'],
    [' Operating System', node.platform.os],
    [' Architecture', node.platform.arch],
    [' Board', node.board],
    ['Resources'],
    [' CPUs', String(node.cores)],
    [' Memory', bytesText(node.memoryBytes)],
    ...labelRows(node.labels),
  );
  return fields(rows);
}
