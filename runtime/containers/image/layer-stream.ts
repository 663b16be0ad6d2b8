/**
 * Opens a stored layer blob as a stream of uncompressed tar bytes. The
 * compression is sniffed from the first bytes, not trusted from the media
 * type: docker-save archives and some registries label layers loosely.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Transform } from 'node:stream';
import { lazyBuiltin } from '../../common/builtin.js';

const loadZlib = lazyBuiltin<typeof import('node:zlib')>('node:zlib');
import { ImageError } from './errors.js';

export type LayerCompression = 'gzip' | 'zstd' | 'none';

/** Read-ahead for layer files: large enough to keep the inflater busy, small for a 512 MiB board. */
const readChunkBytes = 256 * 1024;

export function sniffCompression(head: Uint8Array): LayerCompression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

type ZstdFactory = (options?: object) => Transform;

/**
 * Node added zstd to node:zlib in 22.15 / 23.8. On older runtimes there is
 * no decoder without a native add-on or a vendored one, so the layer is
 * refused with a clear error instead.
 */
function zstdDecoder(what: string): Transform {
  const factory = (loadZlib() as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;
  if (factory === undefined) {
    throw new ImageError(
      'EDGE_IMAGE_UNSUPPORTED_COMPRESSION',
      `${what} is zstd-compressed, which this Node.js ${process.version} cannot decompress (needs Node 22.15 or later); push a gzip build of the image (e.g. buildx --output compression=gzip)`,
    );
  }
  return factory();
}

export async function* uncompressedLayer(path: string, what: string): AsyncGenerator<Uint8Array> {
  const head = new Uint8Array(4);
  const handle = await open(path, 'r');
  try {
    await handle.read(head, 0, 4, 0);
  } finally {
    await handle.close();
  }
  const compression = sniffCompression(head);
  const file = createReadStream(path, { highWaterMark: readChunkBytes });
  if (compression === 'none') {
    for await (const chunk of file) yield chunk as Buffer;
    return;
  }
  const decoder = compression === 'gzip' ? loadZlib().createGunzip({ chunkSize: 64 * 1024 }) : zstdDecoder(what);
  file.on('error', (error) => decoder.destroy(error));
  file.pipe(decoder);
  try {
    for await (const chunk of decoder) yield chunk as Buffer;
  } catch (error) {
    if (error instanceof ImageError) throw error;
    throw new ImageError('EDGE_IMAGE_BAD_TAR', `${what} could not be decompressed (${(error as Error).message}); the layer blob is corrupt`, { cause: error });
  } finally {
    file.destroy();
    decoder.destroy();
  }
}
