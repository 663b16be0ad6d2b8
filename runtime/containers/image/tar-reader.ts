/**
 * A streaming tar reader that takes bytes, not files or sockets: push chunks
 * in, get events out (entry header, body data, entry end, archive end).
 * Understands ustar, pax extended headers (path, linkpath, size, uid, gid,
 * mtime) and GNU long names (types L and K). Body data events are views into
 * the pushed chunk, so nothing is copied on the hot path.
 *
 * It judges the archive's structure only; whether a path is safe to create is
 * the unpacker's business (see tar-path.ts).
 */
import { ImageError } from './errors.js';

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'char-device' | 'block-device' | 'fifo';

export interface TarHeader {
  /** Path as stored, after pax/GNU overrides (not yet checked for safety). */
  path: string;
  type: TarEntryType;
  /** Permission bits including setuid/setgid/sticky (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Body bytes that follow (0 for everything but regular files). */
  size: number;
  mtimeMs: number;
  /** Target of a symlink or hardlink; "" otherwise. */
  linkPath: string;
  deviceMajor: number;
  deviceMinor: number;
}

export type TarEvent =
  | { kind: 'entry'; header: TarHeader }
  | { kind: 'data'; bytes: Uint8Array }
  | { kind: 'entry-end' }
  | { kind: 'end' };

export interface TarReaderLimits {
  /** Largest pax extended header or GNU long name body accepted, in bytes. */
  metaBytesMax: number;
  /** Longest path or link target accepted, in bytes (Linux PATH_MAX). */
  pathBytesMax: number;
}

export const defaultTarReaderLimits: TarReaderLimits = { metaBytesMax: 1024 * 1024, pathBytesMax: 4096 };

const blockBytes = 512;
type State = 'header' | 'body' | 'padding' | 'meta' | 'done';
type MetaKind = 'pax' | 'pax-global' | 'gnu-long-name' | 'gnu-long-link';

const typeByFlag: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file', // contiguous file: a regular file for every purpose here
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
};
const metaByFlag: Record<string, MetaKind> = { x: 'pax', g: 'pax-global', L: 'gnu-long-name', K: 'gnu-long-link' };
const utf8 = new TextDecoder('utf-8');

function badTar(why: string): ImageError {
  return new ImageError('EDGE_IMAGE_BAD_TAR', `layer archive is not a valid tar: ${why}; the image is corrupt or not a tar layer, rebuild it`);
}

export class TarReader {
  private state: State = 'header';
  private readonly headerBuffer = new Uint8Array(blockBytes);
  private headerFilled = 0;
  private zeroBlocks = 0;
  /** Body or meta bytes still to read for the current record. */
  private remainingBytes = 0;
  private paddingBytes = 0;
  private metaKind: MetaKind = 'pax';
  private metaChunks: Uint8Array[] = [];
  /** Overrides gathered from pax/GNU records, applied to the next real entry. */
  private pending: { pax: Record<string, string>; longName?: string; longLink?: string } = { pax: {} };
  /** Byte offset into the archive, for error messages. */
  private offsetBytes = 0;

  constructor(private readonly limits: TarReaderLimits = defaultTarReaderLimits) {}

  get finished(): boolean {
    return this.state === 'done';
  }

  /** Feeds bytes; returns the events they complete, in order. */
  push(chunk: Uint8Array): TarEvent[] {
    const events: TarEvent[] = [];
    let at = 0;
    while (at < chunk.byteLength && this.state !== 'done') {
      const available = chunk.byteLength - at;
      switch (this.state) {
        case 'header': {
          const take = Math.min(available, blockBytes - this.headerFilled);
          this.headerBuffer.set(chunk.subarray(at, at + take), this.headerFilled);
          this.headerFilled += take;
          at += take;
          if (this.headerFilled === blockBytes) {
            this.headerFilled = 0;
            this.onHeaderBlock(events);
            this.offsetBytes += blockBytes;
          }
          break;
        }
        case 'body': {
          const take = Math.min(available, this.remainingBytes);
          events.push({ kind: 'data', bytes: chunk.subarray(at, at + take) });
          this.advanceRecord(take, events);
          at += take;
          break;
        }
        case 'meta': {
          const take = Math.min(available, this.remainingBytes);
          this.metaChunks.push(chunk.slice(at, at + take));
          this.advanceRecord(take, undefined);
          at += take;
          break;
        }
        case 'padding': {
          const take = Math.min(available, this.paddingBytes);
          this.paddingBytes -= take;
          this.offsetBytes += take;
          at += take;
          if (this.paddingBytes === 0) this.state = 'header';
          break;
        }
      }
    }
    if (this.state === 'done' && events.at(-1)?.kind !== 'end') events.push({ kind: 'end' });
    return events;
  }

  /**
   * Call at end of input. A stream that stops inside a record is truncated; one
   * that stops between records without the two zero blocks is accepted, as
   * GNU tar and Go's archive/tar do.
   */
  finish(): TarEvent[] {
    if (this.state === 'done') return [];
    if (this.state !== 'header' || this.headerFilled !== 0) {
      throw badTar(`it ends in the middle of a record at byte ${this.offsetBytes + this.headerFilled}`);
    }
    this.state = 'done';
    return [{ kind: 'end' }];
  }

  private advanceRecord(taken: number, events: TarEvent[] | undefined): void {
    this.remainingBytes -= taken;
    this.offsetBytes += taken;
    if (this.remainingBytes > 0) return;
    if (this.state === 'meta') this.onMetaComplete();
    else events?.push({ kind: 'entry-end' });
    this.state = this.paddingBytes > 0 ? 'padding' : 'header';
  }

  private startRecord(size: number, state: 'body' | 'meta', events: TarEvent[]): void {
    this.remainingBytes = size;
    this.paddingBytes = (blockBytes - (size % blockBytes)) % blockBytes;
    if (size > 0) {
      this.state = state;
    } else {
      if (state === 'body') events.push({ kind: 'entry-end' });
      else this.onMetaComplete();
      this.state = 'header';
    }
  }

  private onHeaderBlock(events: TarEvent[]): void {
    const block = this.headerBuffer;
    if (block.every((byte) => byte === 0)) {
      this.zeroBlocks++;
      if (this.zeroBlocks === 2) this.state = 'done';
      return;
    }
    if (this.zeroBlocks > 0) throw badTar(`a lone zero block is followed by more data at byte ${this.offsetBytes}`);
    verifyChecksum(block, this.offsetBytes);
    const flag = String.fromCharCode(block[156]!);
    const size = readNumber(block, 124, 12, 'size');
    const meta = metaByFlag[flag];
    if (meta !== undefined) {
      if (size > this.limits.metaBytesMax) throw badTar(`an extended header of ${size} bytes exceeds the ${this.limits.metaBytesMax}-byte limit`);
      this.metaKind = meta;
      this.metaChunks = [];
      this.startRecord(size, 'meta', events);
      return;
    }
    const type = typeByFlag[flag];
    if (type === undefined) throw badTar(`entry type "${flag}" at byte ${this.offsetBytes} is not supported (sparse, volume and multi-volume entries cannot be unpacked)`);
    const header = this.buildHeader(block, type, size);
    events.push({ kind: 'entry', header });
    this.startRecord(header.size, 'body', events);
  }

  private buildHeader(block: Uint8Array, type: TarEntryType, rawSize: number): TarHeader {
    const { pax, longName, longLink } = this.pending;
    this.pending = { pax: {} };
    const isUstar = readString(block, 257, 6) === 'ustar' && readString(block, 263, 2) === '00';
    let path = readString(block, 0, 100);
    // Only POSIX ustar has the prefix field; GNU's old format stores times there.
    if (isUstar) {
      const prefix = readString(block, 345, 155);
      if (prefix !== '') path = `${prefix}/${path}`;
    }
    path = pax.path ?? longName ?? path;
    const linkPath = pax.linkpath ?? longLink ?? readString(block, 157, 100);
    const paxNumber = (key: string, fallback: number): number => {
      const text = pax[key];
      if (text === undefined) return fallback;
      const value = Number(text);
      if (!Number.isFinite(value) || value < 0) throw badTar(`pax record ${key}="${text}" is not a non-negative number`);
      return value;
    };
    // Only regular files carry a body; Go and GNU tar ignore the size of the others.
    const size = type === 'file' ? paxNumber('size', rawSize) : 0;
    if (!Number.isSafeInteger(size)) throw badTar(`entry "${path}" declares an impossible size`);
    for (const [label, value] of [['path', path], ['link target', linkPath]] as const) {
      if (Buffer.byteLength(value) > this.limits.pathBytesMax) throw badTar(`an entry ${label} is longer than ${this.limits.pathBytesMax} bytes`);
    }
    if (path === '') throw badTar(`an entry at byte ${this.offsetBytes} has an empty name`);
    return {
      path,
      type,
      mode: readNumber(block, 100, 8, 'mode') & 0o7777,
      uid: paxNumber('uid', readNumber(block, 108, 8, 'uid')),
      gid: paxNumber('gid', readNumber(block, 116, 8, 'gid')),
      size,
      mtimeMs: Math.round(paxNumber('mtime', readNumber(block, 136, 12, 'mtime')) * 1000),
      linkPath,
      deviceMajor: isUstar || type.endsWith('device') ? readNumber(block, 329, 8, 'devmajor') : 0,
      deviceMinor: isUstar || type.endsWith('device') ? readNumber(block, 337, 8, 'devminor') : 0,
    };
  }

  private onMetaComplete(): void {
    const body = Buffer.concat(this.metaChunks);
    this.metaChunks = [];
    switch (this.metaKind) {
      case 'pax':
        Object.assign(this.pending.pax, parsePaxRecords(body));
        break;
      case 'pax-global':
        // Global headers set defaults (usually only a comment) for later
        // entries; layer tools do not use them for paths, so they are parsed
        // for validity and otherwise ignored.
        parsePaxRecords(body);
        break;
      case 'gnu-long-name':
        this.pending.longName = cString(body);
        break;
      case 'gnu-long-link':
        this.pending.longLink = cString(body);
        break;
    }
  }
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return utf8.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

function readString(block: Uint8Array, offset: number, length: number): string {
  return cString(block.subarray(offset, offset + length));
}

/** Octal (NUL/space padded) or, when the top bit is set, GNU base-256 big-endian. */
function readNumber(block: Uint8Array, offset: number, length: number, field: string): number {
  const bytes = block.subarray(offset, offset + length);
  if ((bytes[0]! & 0x80) !== 0) {
    if (bytes[0] === 0xff) throw badTar(`field ${field} holds a negative base-256 number`);
    let value = bytes[0]! & 0x7f;
    for (let i = 1; i < bytes.length; i++) value = value * 256 + bytes[i]!;
    if (!Number.isSafeInteger(value)) throw badTar(`field ${field} is too large`);
    return value;
  }
  const text = utf8.decode(bytes).replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw badTar(`field ${field} holds "${text}", not an octal number`);
  return parseInt(text, 8);
}

function verifyChecksum(block: Uint8Array, offsetBytes: number): void {
  const stored = readNumber(block, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < blockBytes; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  // Some historic writers summed signed chars; both are accepted, like GNU tar.
  if (stored !== unsigned && stored !== signed) throw badTar(`header checksum mismatch at byte ${offsetBytes} (not a tar, or corrupted)`);
}

/** Records are "<length> <key>=<value>\n", length counting the whole record. */
export function parsePaxRecords(body: Uint8Array): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < body.byteLength) {
    if (body[at] === 0) break; // NUL padding after the last record
    const space = body.indexOf(0x20, at);
    if (space < 0) throw badTar('a pax record has no length');
    const lengthText = utf8.decode(body.subarray(at, space));
    const length = Number(lengthText);
    if (!/^[0-9]+$/.test(lengthText) || length <= space - at + 1 || at + length > body.byteLength) throw badTar(`a pax record length "${lengthText}" is wrong`);
    if (body[at + length - 1] !== 0x0a) throw badTar('a pax record does not end in a newline');
    const record = utf8.decode(body.subarray(space + 1, at + length - 1));
    const equals = record.indexOf('=');
    if (equals <= 0) throw badTar(`pax record "${record.slice(0, 40)}" has no key`);
    records[record.slice(0, equals)] = record.slice(equals + 1);
    at += length;
  }
  return records;
}
