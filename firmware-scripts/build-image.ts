#!/usr/bin/env -S node --import tsx
/**
 * Turns a base OS image into an edgectl image for one board kind.
 * Flags and the three steps to a running fleet: firmware-scripts/README.md.
 *
 *   node --import tsx firmware-scripts/build-image.ts --base raspios.img.xz --output edge-pi4b.img --board pi4b --token-file token.txt
 *
 * Exit codes: 0 built; 1 a typed error (its code and fix are printed); 2 usage.
 */
import { isEdgeError } from '../runtime/common/errors.js';
import { buildImage } from './lib/build.js';
import { parseCommandLine, USAGE } from './lib/options.js';

function main(argv: readonly string[]): number {
  try {
    const command = parseCommandLine(argv);
    if (command.kind === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    const result = buildImage(command.options, (line) => console.log(`build-image: ${line}`));
    console.log(`build-image: wrote ${result.imagePath} for board ${command.options.board.id}`);
    console.log(`build-image: ${result.installedPaths.length} files installed; cmdline.txt ${result.cmdlineChanged ? 'updated' : 'already had the cgroup parameters'}; root grew by ${result.rootGrowthBytes / 1024 / 1024} MiB`);
    console.log('build-image: next: flash it (rpi-imager "Use custom", or dd bs=4M conv=fsync), then power the boards on');
    return 0;
  } catch (error) {
    if (isEdgeError(error)) {
      console.error(`build-image: ${error.code}: ${error.message}`);
      return error.code === 'EDGE_FIRMWARE_USAGE' ? 2 : 1;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));
