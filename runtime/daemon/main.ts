// edged entry point.
import { EdgeError } from '../common/errors.js';
import { version } from '../common/version.js';
import { daemonHelp, loadConfig, parseFlags } from './config.js';

function main(argv: string[]): number {
  const flags = parseFlags(argv);
  if (flags.has('--help') || flags.has('-h')) {
    console.log(daemonHelp());
    return 0;
  }
  if (flags.has('--version')) {
    console.log(`edged ${version}`);
    return 0;
  }
  const config = loadConfig({ argv, env: process.env });
  console.log(JSON.stringify({ msg: 'edged starting', version, dataDir: config.dataDir, listenAddr: config.listenAddr }));
  const idle = setInterval(() => {}, 60_000);
  const stop = (): void => {
    clearInterval(idle);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return -1;
}

try {
  const code = main(process.argv.slice(2));
  if (code >= 0) process.exitCode = code;
} catch (error) {
  if (error instanceof EdgeError) {
    console.error(`edged: ${error.message} [${error.code}]`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
