/**
 * The one piece of I/O in this folder: reading a stack file for the CLI.
 * Bounded by stackFileBytesMax before anything is read into memory.
 */
import { open } from 'node:fs/promises';
import { SpecError } from './errors.js';
import { stackFileBytesMax } from './limits.js';

/** Reads a stack file as UTF-8 text; parse it with parseStack(text, {fileName: path}). */
export async function readStackFile(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message;
    throw new SpecError('EDGE_SPEC_FILE_UNREADABLE', `cannot read the stack file ${path}: ${reason}`, { cause: error });
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new SpecError('EDGE_SPEC_FILE_UNREADABLE', `${path} is not a regular file; give the path of a stack file`);
    if (stats.size > stackFileBytesMax) {
      throw new SpecError('EDGE_SPEC_TOO_LARGE', `${path} is ${stats.size} bytes; a stack file may be at most ${stackFileBytesMax} bytes`);
    }
    const text = await handle.readFile({ encoding: 'utf8' });
    // The file may have grown between stat and read.
    if (Buffer.byteLength(text) > stackFileBytesMax) throw new SpecError('EDGE_SPEC_TOO_LARGE', `${path} is larger than ${stackFileBytesMax} bytes`);
    return text;
  } catch (error) {
    if (error instanceof SpecError) throw error;
    throw new SpecError('EDGE_SPEC_FILE_UNREADABLE', `cannot read the stack file ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    await handle.close();
  }
}
