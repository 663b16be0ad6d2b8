#!/usr/bin/env -S node --import tsx
/**
 * Turns a base OS image into an edgectl image for one board kind.
 * Flags, what it changes, and the three steps to a running fleet: firmware-scripts/README.md.
 *
 *   node --import tsx firmware-scripts/build-image.ts --base raspios.img.xz --output edge-pi4b.img --board pi4b --token-file token.txt
 */
import { runBuildImageCli } from './lib/cli.js';

process.exitCode = runBuildImageCli(process.argv.slice(2), { out: (line) => console.log(line), err: (line) => console.error(line) });
