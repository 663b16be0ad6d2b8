// Names of the files in a storage directory. Fixed-width hex so a plain `ls`
// lists them in order, as etcd's WAL does.
//
//   seg-<sequence>-<firstIndex>.wal   a log segment; sequence counts up from 1,
//                                     firstIndex is the next entry index when the
//                                     segment was started (a hint for people:
//                                     overwrites may later write lower indexes)
//   snap-<index>-<term>.snap          a snapshot covering entries up to index
//   <any of the above>.tmp            a file being written; left only by a crash

const hex16 = (value: number): string => value.toString(16).padStart(16, '0');

const segmentPattern = /^seg-([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;
const snapshotPattern = /^snap-([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

export const temporarySuffix = '.tmp';

export function segmentFileName(sequence: number, firstIndex: number): string {
  return `seg-${hex16(sequence)}-${hex16(firstIndex)}.wal`;
}

export function snapshotFileName(index: number, term: number): string {
  return `snap-${hex16(index)}-${hex16(term)}.snap`;
}

function parseHex(text: string | undefined): number | null {
  if (text === undefined) return null;
  const value = Number.parseInt(text, 16);
  return Number.isSafeInteger(value) ? value : null;
}

export function parseSegmentFileName(name: string): { sequence: number; firstIndex: number } | null {
  const match = segmentPattern.exec(name);
  const sequence = parseHex(match?.[1]);
  const firstIndex = parseHex(match?.[2]);
  return sequence === null || firstIndex === null || sequence < 1 ? null : { sequence, firstIndex };
}

export function parseSnapshotFileName(name: string): { index: number; term: number } | null {
  const match = snapshotPattern.exec(name);
  const index = parseHex(match?.[1]);
  const term = parseHex(match?.[2]);
  return index === null || term === null || index < 1 ? null : { index, term };
}
