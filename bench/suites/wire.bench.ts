// Wire benchmarks: frame sizes (counts) and codec time as a ratio to
// JSON.stringify + JSON.parse of the same object in the same run, since the
// machine is shared and absolute times drift.
import { Bench } from 'tinybench';
import { median, type BenchSuite, type Measure } from '../harness.js';
import { defineMessage, definePart } from '../../runtime/wire/definitions.js';
import { encodeFrame } from '../../runtime/wire/index.js';
import { array, bytes, object, oneOf, uint } from '../../runtime/wire/schema.js';
import { createVocabulary } from '../../runtime/wire/vocabulary.js';

/** Shaped like a Raft append-entries message; raft will define the real one in messages/raft.ts. */
const appendLike = defineMessage({
  type: 'bench.append',
  version: 1,
  fields: {
    term: uint(),
    leader: uint(),
    prevIndex: uint(),
    prevTerm: uint(),
    commit: uint(),
    entries: array(object({ index: uint(), term: uint(), kind: oneOf('normal', 'conf'), data: bytes({ maxBytes: 65_536 }) }), { maxItems: 4096 }),
  },
});
const vocabulary = createVocabulary([definePart({ owner: 'bench', messages: [appendLike] })]);

const entriesCount = 64;
const payloadBytes = 100;

function replicationMessage(): { t: 'bench.append'; term: number; leader: number; prevIndex: number; prevTerm: number; commit: number; entries: Array<{ index: number; term: number; kind: 'normal'; data: Uint8Array }> } {
  const entries = Array.from({ length: entriesCount }, (_, i) => {
    const data = new Uint8Array(payloadBytes);
    for (let k = 0; k < payloadBytes; k++) data[k] = (i * 31 + k * 7) & 0xff;
    return { index: 1_000_000 + i, term: 42, kind: 'normal' as const, data };
  });
  return { t: 'bench.append', term: 42, leader: 3, prevIndex: 999_999, prevTerm: 41, commit: 999_990, entries };
}

type AppendLike = ReturnType<typeof replicationMessage>;

/** The JSON reference sends bytes as base64 strings. */
function toJson(message: AppendLike): string {
  return JSON.stringify({ ...message, entries: message.entries.map((entry) => ({ ...entry, data: Buffer.from(entry.data).toString('base64') })) });
}

/** The JSON reference's receive side, turning base64 back into bytes (no validation: JSON gets the easier job). */
function fromJson(text: string): unknown {
  const parsed = JSON.parse(text) as { entries: Array<{ data: string | Uint8Array }> };
  for (const entry of parsed.entries) entry.data = Buffer.from(entry.data as string, 'base64');
  return parsed;
}

function meanLatencyMs(bench: Bench, name: string): number {
  const result = bench.getTask(name)?.result;
  if (result === undefined || !('latency' in result)) throw new Error(`bench task ${name} produced no timing (${result?.state ?? 'missing'})`);
  return result.latency.mean;
}

/**
 * Time ratios from several short rounds, each timing wire and JSON back to
 * back; the median round resists another process stealing a core for a while.
 */
async function timeRatios(message: AppendLike, ci: boolean): Promise<{ roundTrip: number; decode: number }> {
  const frame = vocabulary.encode(message);
  const text = toJson(message);
  const roundTrips: number[] = [];
  const decodes: number[] = [];
  for (let round = 0; round < (ci ? 3 : 5); round++) {
    const bench = new Bench({ time: ci ? 100 : 400, warmupTime: ci ? 30 : 100, throws: true });
    bench.add('wire round trip', () => vocabulary.decode(vocabulary.encode(message)));
    bench.add('json round trip', () => fromJson(toJson(message)));
    bench.add('wire decode', () => vocabulary.decode(frame));
    bench.add('json decode', () => fromJson(text));
    await bench.run();
    roundTrips.push(meanLatencyMs(bench, 'wire round trip') / meanLatencyMs(bench, 'json round trip'));
    decodes.push(meanLatencyMs(bench, 'wire decode') / meanLatencyMs(bench, 'json decode'));
  }
  return { roundTrip: median(roundTrips), decode: median(decodes) };
}

export const suite: BenchSuite = {
  name: 'wire',
  async run({ ci }): Promise<Measure[]> {
    const heartbeat = encodeFrame({ t: 'ping', seq: Number.MAX_SAFE_INTEGER, sentAtMs: Number.MAX_SAFE_INTEGER });
    const message = replicationMessage();
    const frame = vocabulary.encode(message);
    const jsonBytes = Buffer.byteLength(toJson(message));
    const ratios = await timeRatios(message, ci);
    const shape = `${entriesCount} entries of ${payloadBytes}-byte payloads`;
    return [
      { name: 'wire.heartbeatFrameBytes', value: heartbeat.length, unit: 'bytes', note: 'ping with seq and sentAtMs at 2^53-1, the largest a ping can be' },
      { name: 'wire.replicationFrameBytes', value: frame.length, unit: 'bytes', note: `append-like frame, ${shape}` },
      { name: 'wire.replicationFrameVsJsonBytesRatio', value: frame.length / jsonBytes, unit: 'ratio', note: `CBOR frame bytes / JSON bytes (payloads as base64: ${jsonBytes} bytes)` },
      { name: 'wire.replicationCodecVsJsonTimeRatio', value: ratios.roundTrip, unit: 'ratio', note: `encode+decode with all checks / JSON.stringify+JSON.parse with base64 both ways; ${shape}; median of rounds` },
      { name: 'wire.replicationDecodeVsJsonTimeRatio', value: ratios.decode, unit: 'ratio', note: 'decode (scan, cbor-x, schema) / JSON.parse + base64 decode of the same message; median of rounds' },
    ];
  },
};
