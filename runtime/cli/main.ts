// The edgectl binary: runs the CLI with this process's arguments, streams and
// environment. Everything else lives in run.ts so tests can call it in-process.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { run } from './run.js';

export { run };
export type { CliIo } from './command.js';

/** True when this file is the program node started, not a module a test imported. */
function isEntryPoint(): boolean {
  const started = process.argv[1];
  if (started === undefined) return false;
  try {
    // npm links bin/edgectl → dist/edgectl.js: compare real paths.
    return realpathSync(started) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // Exit through exitCode, not process.exit(), so buffered output to a pipe is not cut off.
  process.exitCode = await run(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr });
}
