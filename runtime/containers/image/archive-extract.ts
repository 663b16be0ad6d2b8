/**
 * Streams an image archive (OCI layout tar or docker-save tar, optionally
 * gzipped) into a staging directory, hashing every member on the way, so the
 * loader can check each blob against the digest that names it without a
 * second read. Only regular files and symlinks (docker save uses them to
 * share identical layers) are kept; paths are held to the same rules as
 * layer entries.
 */
import type { Hash } from 'node:crypto';
import { nodeCrypto } from '../../common/builtin.js';
import { open, type FileHandle } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Digest } from './digest.js';
import { ImageError } from './errors.js';
import { uncompressedLayer } from './layer-stream.js';
import { entrySegments } from './tar-path.js';
import { TarReader, type TarHeader } from './tar-reader.js';

export interface StagedFile {
  stagingPath: string;
  digest: Digest;
  sizeBytes: number;
}

export interface StagedArchive {
  /** Archive path ("blobs/sha256/ab…", "manifest.json") to its staged copy. */
  files: Map<string, StagedFile>;
  /** Archive path of a symlink to the archive path it points at. */
  links: Map<string, string>;
}

/** Members beyond this count are refused: image archives hold a few hundred at most. */
export const archiveMembersMax = 100_000;

export async function stageArchive(archivePath: string, stagingDir: string): Promise<StagedArchive> {
  const staged: StagedArchive = { files: new Map(), links: new Map() };
  const reader = new TarReader();
  let current: { handle: FileHandle; path: string; stagingPath: string; hash: Hash; size: number } | undefined;
  let members = 0;
  const onEntry = async (header: TarHeader): Promise<void> => {
    if (++members > archiveMembersMax) throw badArchive(archivePath, `it has more than ${archiveMembersMax} members`);
    const path = entrySegments(header.path).join('/');
    if (header.type === 'symlink' || header.type === 'hardlink') {
      // Symlink targets are relative to the link's directory; hardlink targets to the archive root.
      const target = header.type === 'symlink' ? posix.normalize(posix.join(posix.dirname(path), header.linkPath)) : header.linkPath;
      staged.links.set(path, entrySegments(target).join('/'));
    } else if (header.type === 'file') {
      const stagingPath = join(stagingDir, String(members));
      current = { handle: await open(stagingPath, 'wx'), path, stagingPath, hash: nodeCrypto().createHash('sha256'), size: 0 };
    }
  };
  const onEnd = async (): Promise<void> => {
    if (current === undefined) return;
    const file = current;
    current = undefined;
    await file.handle.close();
    staged.files.set(file.path, { stagingPath: file.stagingPath, digest: `sha256:${file.hash.digest('hex')}`, sizeBytes: file.size });
  };
  try {
    for await (const chunk of uncompressedLayer(archivePath, `archive ${archivePath}`)) {
      for (const event of reader.push(chunk)) {
        if (event.kind === 'entry') await onEntry(event.header);
        else if (event.kind === 'data' && current !== undefined) {
          current.hash.update(event.bytes);
          current.size += event.bytes.byteLength;
          await current.handle.write(event.bytes);
        } else if (event.kind === 'entry-end') await onEnd();
      }
    }
    reader.finish();
  } finally {
    await current?.handle.close().catch(() => undefined);
  }
  return staged;
}

/** Follows symlinks inside the archive (a bounded number of hops) to a staged file. */
export function stagedFile(archive: StagedArchive, path: string, archivePath: string): StagedFile {
  let at = entrySegments(path).join('/');
  for (let hops = 0; hops < 16; hops++) {
    const file = archive.files.get(at);
    if (file !== undefined) return file;
    const next = archive.links.get(at);
    if (next === undefined) break;
    at = next;
  }
  throw badArchive(archivePath, `it lacks the member "${path}"`);
}

export function badArchive(archivePath: string, why: string): ImageError {
  return new ImageError('EDGE_IMAGE_BAD_ARCHIVE', `${archivePath} is not a usable image archive: ${why}; create it with "docker save", "skopeo copy … oci-archive:" or another OCI layout writer`);
}
