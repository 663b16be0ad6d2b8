// The per-container shim. The agent cannot be the parent of a container it
// must outlive, and a runtime's `create` leaves the container's first process
// to be reaped by whoever inherits it (pid 1), losing the exit code. So the
// agent starts this /bin/sh script in its own session; the script runs the
// runtime in the foreground (`run`, which waits for the container), appends
// stdout/stderr to log files, and writes the exit status to a file when the
// container ends. The status survives the agent and is read by whichever agent
// comes next. /bin/sh rather than a Node helper: a resident shell costs about
// a megabyte, a Node process about forty.
import { lazyBuiltin } from '../../common/builtin.js';

const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * $1 container status dir, $2 logs dir, $3 OOM evidence file ("" if none), $4... the runtime's argv.
 * The exit and OOM files are written to a temporary name and renamed, so a
 * reader sees either nothing or the whole content. shim.pid is written in
 * place, to spare a fork of mv on the start path; a reader that catches it
 * empty treats the shim as still starting (see recovery.ts isSupervised). stdout/stderr are opened with ">>"
 * (O_APPEND): after the agent truncates a log to rotate it, the next write
 * lands at the new end instead of leaving a hole of zeros.
 */
export const shimScript = `#!/bin/sh
# edgectl container shim (written by the agent; see runtime/containers/executor/shim.ts)
status_dir=$1
logs_dir=$2
oom_evidence=$3
shift 3
echo $$ > "$status_dir/shim.pid"
exec </dev/null >>"$logs_dir/stdout.log" 2>>"$logs_dir/stderr.log"
"$@"
status=$?
if [ -n "$oom_evidence" ] && cat "$oom_evidence" > "$status_dir/oom.tmp" 2>/dev/null; then
  mv -f "$status_dir/oom.tmp" "$status_dir/oom"
fi
echo "$status" > "$status_dir/exit.tmp"
mv -f "$status_dir/exit.tmp" "$status_dir/exit"
`;

export const shimFileName = 'shim.sh';

/** Writes the script into the data dir unless an identical copy is there (no needless SD writes). */
export async function installShim(dataDir: string): Promise<string> {
  const path = join(dataDir, shimFileName);
  const current = await readFile(path, 'utf8').catch(() => null);
  if (current !== shimScript) {
    await writeFile(`${path}.tmp`, shimScript, { mode: 0o755 });
    await rename(`${path}.tmp`, path);
  }
  return path;
}

export interface ShimLaunch {
  shimPath: string;
  statusDir: string;
  logsDir: string;
  oomEvidencePath: string | null;
  runtimeArgv: string[];
}

/** Starts the shim detached (setsid via `detached`), unref'd, with no pipes back to the agent. */
export function launchShim(launch: ShimLaunch): number | null {
  const child = childProcess().spawn('/bin/sh', [launch.shimPath, launch.statusDir, launch.logsDir, launch.oomEvidencePath ?? '', ...launch.runtimeArgv], {
    detached: true,
    stdio: 'ignore',
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
  });
  child.on('error', () => {
    // Surfaces as a start timeout: no pid file and no exit file ever appear.
  });
  child.unref();
  return child.pid ?? null;
}

/** True when `pid` is a live shim for this status dir (guards against pid reuse after a reboot). */
export async function isShimAlive(pid: number, statusDir: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
  if (cmdline === null) return false;
  const argv = cmdline.split('\0');
  return argv[1]?.endsWith(shimFileName) === true && argv[2] === statusDir;
}
