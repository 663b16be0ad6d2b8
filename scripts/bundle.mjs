#!/usr/bin/env node
// Bundles the agent and the CLI into one file each: no node_modules on a board.
import { build } from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const entries = { edged: 'runtime/daemon/main.ts', edgectl: 'runtime/cli/main.ts' };

for (const [name, entry] of Object.entries(entries)) {
  const outfile = `dist/${name}.js`;
  await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    // cbor-x would try its optional native add-on; the pure-JS path is as fast for our frame sizes.
    external: ['cbor-extract'],
    banner: {
      // CommonJS dependencies (ws) call require() for node: builtins; give ESM output one.
      js: "#!/usr/bin/env node\nimport { createRequire as __edgeCreateRequire } from 'node:module';\nconst require = __edgeCreateRequire(import.meta.url);",
    },
    define: { EDGE_VERSION: JSON.stringify(version) },
    logLevel: 'warning',
  });
  chmodSync(`${root}${outfile}`, 0o755);
}
