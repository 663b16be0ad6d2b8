// Builds tar archives in memory for tests: layers for the test images and
// crafted archives (long names, hostile paths) for the unpacker's tests.
// Independent of the reader under test on purpose: it writes fields by offset.

export interface TarWriterEntry {
  path: string;
  type?: 'file' | 'directory' | 'symlink' | 'hardlink' | 'fifo' | 'char-device';
  body?: Uint8Array | string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtimeSeconds?: number;
  linkPath?: string;
  deviceMajor?: number;
  deviceMinor?: number;
}

/** How names longer than 100 bytes are written. */
export type LongNameStyle = 'pax' | 'gnu';

const typeFlags = { file: '0', hardlink: '1', symlink: '2', 'char-device': '3', directory: '5', fifo: '6' } as const;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function headerBlock(fields: { name: string; mode: number; uid: number; gid: number; size: number; mtime: number; flag: string; linkName: string; major: number; minor: number; gnu: boolean }): Buffer {
  const block = Buffer.alloc(512);
  block.write(fields.name, 0, 100, 'utf8');
  block.write(octal(fields.mode, 8), 100, 'ascii');
  block.write(octal(fields.uid, 8), 108, 'ascii');
  block.write(octal(fields.gid, 8), 116, 'ascii');
  block.write(octal(fields.size, 12), 124, 'ascii');
  block.write(octal(fields.mtime, 12), 136, 'ascii');
  block.write(fields.flag, 156, 'ascii');
  block.write(fields.linkName, 157, 100, 'utf8');
  block.write(fields.gnu ? 'ustar  \0' : 'ustar\u000000', 257, 'ascii');
  block.write(octal(fields.major, 8), 329, 'ascii');
  block.write(octal(fields.minor, 8), 337, 'ascii');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(octal(sum, 7) + ' ', 148, 'ascii');
  return block;
}

function padded(body: Buffer): Buffer {
  const padding = (512 - (body.length % 512)) % 512;
  return Buffer.concat([body, Buffer.alloc(padding)]);
}

function paxRecord(key: string, value: string): string {
  // The length prefix counts itself, so find the fixed point.
  const textBytes = Buffer.byteLength(` ${key}=${value}\n`);
  let length = textBytes + 1;
  while (String(length).length + textBytes !== length) length = String(length).length + textBytes;
  return `${length} ${key}=${value}\n`;
}

export function tarEntryBytes(entry: TarWriterEntry, longNames: LongNameStyle = 'pax'): Buffer {
  const type = entry.type ?? 'file';
  const body = entry.body === undefined ? Buffer.alloc(0) : Buffer.from(entry.body);
  const base = {
    mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644),
    uid: entry.uid ?? 0,
    gid: entry.gid ?? 0,
    mtime: entry.mtimeSeconds ?? 1_700_000_000,
    major: entry.deviceMajor ?? 0,
    minor: entry.deviceMinor ?? 0,
    gnu: longNames === 'gnu',
  };
  const linkPath = entry.linkPath ?? '';
  const parts: Buffer[] = [];
  const nameTooLong = Buffer.byteLength(entry.path) > 100;
  const linkTooLong = Buffer.byteLength(linkPath) > 100;
  if ((nameTooLong || linkTooLong) && longNames === 'pax') {
    let records = '';
    if (nameTooLong) records += paxRecord('path', entry.path);
    if (linkTooLong) records += paxRecord('linkpath', linkPath);
    const paxBody = Buffer.from(records);
    parts.push(headerBlock({ ...base, name: 'PaxHeader', size: paxBody.length, flag: 'x', linkName: '', mode: 0o644 }), padded(paxBody));
  }
  if (longNames === 'gnu') {
    if (linkTooLong) {
      const longBody = Buffer.from(`${linkPath}\0`);
      parts.push(headerBlock({ ...base, name: '././@LongLink', size: longBody.length, flag: 'K', linkName: '' }), padded(longBody));
    }
    if (nameTooLong) {
      const longBody = Buffer.from(`${entry.path}\0`);
      parts.push(headerBlock({ ...base, name: '././@LongLink', size: longBody.length, flag: 'L', linkName: '' }), padded(longBody));
    }
  }
  const name = nameTooLong ? entry.path.slice(0, 99) : entry.path;
  const linkName = linkTooLong ? linkPath.slice(0, 99) : linkPath;
  parts.push(headerBlock({ ...base, name, size: body.length, flag: typeFlags[type], linkName }));
  if (body.length > 0) parts.push(padded(body));
  return Buffer.concat(parts);
}

/** A complete archive: entries, then the two zero blocks that end it. */
export function buildTar(entries: readonly TarWriterEntry[], longNames: LongNameStyle = 'pax'): Buffer {
  return Buffer.concat([...entries.map((entry) => tarEntryBytes(entry, longNames)), Buffer.alloc(1024)]);
}
