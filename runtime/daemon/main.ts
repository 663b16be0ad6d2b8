// edged entry point: read the settings, run the daemon until SIGTERM/SIGINT.
import { EdgeError } from '../common/errors.js';
import { version } from '../common/version.js';
import { daemonHelp, loadConfig, parseFlags } from './config.js';
import { Daemon } from './daemon.js';

async function main(argv: string[]): Promise<number | undefined> {
  const flags = parseFlags(argv);
  if (flags.has('--help') || flags.has('-h')) {
    console.log(daemonHelp());
    return 0;
  }
  if (flags.has('--version')) {
    console.log(`edged ${version}`);
    return 0;
  }
  const config = await loadConfig({ argv, env: process.env });
  const daemon = new Daemon({ config });
  await daemon.start();
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    daemon.context.log(`${signal}: shutting down`);
    // A leader hands over leadership first (ManagerRuntime.stop); give it a bounded time.
    const deadline = setTimeout(() => process.exit(1), 10_000);
    deadline.unref();
    void daemon.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return undefined;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof EdgeError) {
      console.error(`edged: ${error.message} [${error.code}]`);
      process.exitCode = 2;
      return;
    }
    console.error(error);
    process.exitCode = 70;
  },
);
