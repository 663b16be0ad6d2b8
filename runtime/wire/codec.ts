// The only place cbor-x is configured. Import paths matter: 'cbor-x' itself
// (its Node entry) loads the optional native add-on cbor-extract when it is
// installed; the 'cbor-x/encode' and 'cbor-x/decode' entries resolve to the
// pure-JS build, which is what ships on boards (see the bundler's externals).
// Nothing else in the project should import cbor-x: doing so through the
// main entry would switch the shared decoder to the native string path.
import { Encoder } from 'cbor-x/encode';
import { Decoder } from 'cbor-x/decode';

const sharedOptions = {
  // Plain CBOR only: no record/structure extension (tag 105) and no shared
  // structures, so any RFC 8949 decoder reads our frames.
  useRecords: false,
  // Maps become plain objects, never Map instances.
  mapsAsObjects: true,
  bundleStrings: false,
  structuredClone: false,
  pack: false,
} as const;

const encoder = new Encoder({
  ...sharedOptions,
  // Uint8Array as a bare byte string (major type 2), not wrapped in tag 64.
  tagUint8Array: false,
  // Preferred serialization: a map header takes one byte for up to 23 keys.
  variableMapSize: true,
});

const decoderOptions = {
  ...sharedOptions,
  // Integers above 2^32 written as uint64 come back as numbers (the scanner
  // already refused anything beyond 2^53), not BigInt. cbor-x reads this
  // option but its type declarations do not list it.
  int64AsNumber: true,
  // Byte strings are copies: a decoded entry must not pin the whole frame's
  // buffer in memory, nor change if the transport reuses that buffer.
  copyBuffers: true,
};
const decoder = new Decoder(decoderOptions);

/** CBOR bytes for an already-checked value. */
export function encodeCbor(value: unknown): Uint8Array {
  return encoder.encode(value);
}

/**
 * Objects for bytes that passed scanCbor. Throws whatever cbor-x throws; the
 * caller turns that into a WireError (it should not happen after a scan).
 */
export function decodeCbor(bytes: Uint8Array): unknown {
  // Through a plain Uint8Array view, byte strings come out as plain
  // Uint8Array copies (from a Buffer they would be Buffers, and slower to copy).
  const plain = Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decoder.decode(plain);
}
