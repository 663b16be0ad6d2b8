/**
 * The command line of build-image.ts as a function: argv in, exit code out,
 * lines to `io`. build-image.ts is a two-line shell around it; tests call it
 * in-process (a tsx start costs about a second per case).
 *
 * Exit codes: 0 built (or --help); 1 a typed error, printed with its code; 2 usage.
 */
import { isEdgeError } from '../../runtime/common/errors.js';
import { buildImage } from './build.js';
import { parseCommandLine, USAGE } from './options.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const MIB = 1024 * 1024;

export function runBuildImageCli(argv: readonly string[], io: CliIo): number {
  try {
    const command = parseCommandLine(argv);
    if (command.kind === 'help') {
      io.out(USAGE);
      return 0;
    }
    const board = command.options.board;
    const result = buildImage(command.options, (line) => io.out(`build-image: ${line}`));
    io.out(`build-image: wrote ${result.imagePath} for board ${board.id}`);
    io.out(
      `build-image: ${result.installedPaths.length} files installed; ${board.cmdlineFile} ` +
        `${result.cmdlineChanged ? 'updated' : 'already had the cgroup parameters'}; root grew by ${result.rootGrowthBytes / MIB} MiB`,
    );
    io.out('build-image: next: flash it (Raspberry Pi Imager "Use custom", or dd bs=4M conv=fsync), then power the boards on');
    return 0;
  } catch (error) {
    if (isEdgeError(error)) {
      io.err(`build-image: ${error.code}: ${error.message}`);
      return error.code === 'EDGE_FIRMWARE_USAGE' ? 2 : 1;
    }
    throw error;
  }
}
