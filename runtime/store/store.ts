// The cluster store: the Raft state machine. It applies committed entries to
// the ClusterState and makes and restores snapshots of it. Readers get the
// state object itself and must not change it.
import { EntryType, type Entry } from '../raft/types.js';
import { decodeCbor, encodeCbor } from '../wire/codec.js';
import { scanCbor } from '../wire/scanner.js';
import { defaultWireLimits } from '../wire/limits.js';
import { EdgeError } from '../common/errors.js';
import { applyCommand, type ApplyResult } from './apply.js';
import { decodeCommand, type Command } from './commands.js';
import { emptyState, type ClusterState } from './state.js';

/** What the Raft driver needs from a state machine. */
export interface StateMachine {
  apply(entry: Entry): unknown;
  snapshot(): Uint8Array;
  restore(data: Uint8Array, index: number): void;
}

/**
 * Called after each applied command with the command itself, so a listener
 * can update only what it touched (a batch may hold refused commands: read
 * the state, not the command, for what is true now). `undefined` means a
 * snapshot replaced the whole state.
 */
export type ChangeListener = (state: ClusterState, command: Command | undefined) => void;

const snapshotFormat = 1;
/** Snapshots are bounded like frames, with room for thousands of nodes. */
const snapshotBytesMax = 64 * 1024 * 1024;

export class ClusterStore implements StateMachine {
  private current: ClusterState = emptyState();
  private readonly listeners = new Set<ChangeListener>();

  get state(): Readonly<ClusterState> {
    return this.current;
  }

  apply(entry: Entry): ApplyResult | undefined {
    this.current.appliedIndex = entry.index;
    if (entry.type !== EntryType.Normal) return undefined;
    const command = decodeCommand(entry.data);
    // An empty entry is a new leader's no-op; anything else undecodable is refused, not fatal.
    if (!command) return entry.data.byteLength === 0 ? undefined : { ok: false, code: 'EDGE_STORE_BAD_ENTRY', message: `entry ${entry.index} is not a command` };
    const result = applyCommand(this.current, command);
    if (result.ok) for (const listener of this.listeners) listener(this.current, command);
    return result;
  }

  snapshot(): Uint8Array {
    return encodeCbor({ format: snapshotFormat, state: this.current });
  }

  restore(data: Uint8Array, index: number): void {
    if (data.byteLength > snapshotBytesMax) throw new EdgeError('EDGE_STORE_SNAPSHOT_INVALID', `snapshot of ${data.byteLength} bytes exceeds ${snapshotBytesMax}`);
    let decoded: { format?: unknown; state?: unknown };
    try {
      scanCbor(data, { ...defaultWireLimits, frameBytesMax: snapshotBytesMax, itemsMax: 50_000_000, depthMax: 16 });
      decoded = decodeCbor(data) as typeof decoded;
    } catch (error) {
      throw new EdgeError('EDGE_STORE_SNAPSHOT_INVALID', `snapshot at index ${index} cannot be read: ${(error as Error).message}`);
    }
    if (decoded?.format !== snapshotFormat || typeof decoded.state !== 'object' || decoded.state === null) {
      throw new EdgeError('EDGE_STORE_SNAPSHOT_INVALID', `snapshot at index ${index} has format ${String(decoded?.format)}, this node reads ${snapshotFormat}: upgrade this manager`);
    }
    this.current = { ...emptyState(), ...(decoded.state as ClusterState), appliedIndex: index };
    for (const listener of this.listeners) listener(this.current, undefined);
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
