/**
 * Unpacked layers under `<dataDir>/layers/<chain id hex>/`: `diff/` holds the
 * layer's files as an overlayfs lower directory, `layer.json` records what it
 * is. A layer is keyed by its chain ID (its diff ID hashed with those of every
 * layer below it), because opaque directories are resolved against the
 * layers below (see opaque.ts). Each layer is unpacked once, into a temporary
 * directory renamed into place when complete, so a crash never leaves a
 * half-unpacked layer under a real name.
 */
import { nodeCrypto } from '../../common/builtin.js';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestHex, type Digest } from './digest.js';
import { unpackLayer, type LayerUnpackResult } from './layer-unpack.js';

export interface LayerRecord {
  chainId: Digest;
  diffId: Digest;
  parentChainId: Digest | null;
  uncompressedBytes: number;
}

/** chainID(L1) = diffID(L1); chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)), as in the OCI image spec. */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const chain: Digest[] = [];
  for (const diffId of diffIds) {
    const parent = chain.at(-1);
    chain.push(parent === undefined ? diffId : `sha256:${nodeCrypto().createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}`);
  }
  return chain;
}

export class LayerStore {
  readonly layerDir: string;

  constructor(dataDir: string) {
    this.layerDir = join(dataDir, 'layers');
  }

  async init(): Promise<void> {
    await mkdir(this.layerDir, { recursive: true });
  }

  diffPath(chainId: Digest): string {
    return join(this.layerDir, digestHex(chainId), 'diff');
  }

  async get(chainId: Digest): Promise<LayerRecord | undefined> {
    try {
      return JSON.parse(await readFile(join(this.layerDir, digestHex(chainId), 'layer.json'), 'utf8')) as LayerRecord;
    } catch {
      return undefined;
    }
  }

  /**
   * Unpacks `source` as the layer `chainIds[index]` unless already present.
   * `chain` lists chain IDs bottom first; the ones below `index` must exist.
   */
  async ensure(chain: readonly Digest[], diffIds: readonly Digest[], index: number, source: () => AsyncIterable<Uint8Array>, onBytes?: (uncompressedBytes: number) => void): Promise<LayerRecord> {
    const chainId = chain[index]!;
    const existing = await this.get(chainId);
    if (existing !== undefined) return existing;
    const lowerDirs = chain.slice(0, index).reverse().map((lower) => this.diffPath(lower));
    const temporary = await mkdtemp(join(this.layerDir, '.unpack-'));
    try {
      await mkdir(join(temporary, 'diff'), { mode: 0o755 });
      const result: LayerUnpackResult = await unpackLayer(source(), { targetDir: join(temporary, 'diff'), lowerDirs, expectedDiffId: diffIds[index]!, onBytes });
      const record: LayerRecord = { chainId, diffId: result.diffId, parentChainId: index > 0 ? chain[index - 1]! : null, uncompressedBytes: result.uncompressedBytes };
      await writeFile(join(temporary, 'layer.json'), JSON.stringify(record));
      try {
        await rename(temporary, join(this.layerDir, digestHex(chainId)));
      } catch (error) {
        // Another pull unpacked the same layer meanwhile: keep theirs.
        if ((await this.get(chainId)) === undefined) throw error;
        await rm(temporary, { recursive: true, force: true });
      }
      return record;
    } catch (error) {
      await rm(temporary, { recursive: true, force: true });
      throw error;
    }
  }

  async list(): Promise<Digest[]> {
    const names = await readdir(this.layerDir);
    return names.filter((name) => /^[a-f0-9]{64}$/.test(name)).map((name) => `sha256:${name}` as Digest);
  }

  /** Leftovers of unpacks interrupted by a crash. */
  async listTemporary(): Promise<string[]> {
    return (await readdir(this.layerDir)).filter((name) => name.startsWith('.unpack-')).map((name) => join(this.layerDir, name));
  }

  async remove(chainId: Digest): Promise<void> {
    // Rename first so a crash mid-delete leaves a temporary, not a half layer under a real name.
    const doomed = join(this.layerDir, `.unpack-removed-${digestHex(chainId)}`);
    try {
      await rename(join(this.layerDir, digestHex(chainId)), doomed);
    } catch {
      return;
    }
    await rm(doomed, { recursive: true, force: true });
  }
}
