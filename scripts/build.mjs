// tsc + tsc-alias: compiles apps and libs to dist/ and rewrites the @wxgate/* aliases to relative
// ESM paths, so `node dist/apps/<app>/main.js` runs without a loader.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';

// No clean step: helpers and tests may build concurrently; tsc overwrites what changed.
if (process.argv.includes('--clean')) rmSync('dist', { recursive: true, force: true });
const run = (bin, args) => execFileSync(process.execPath, [`node_modules/${bin}`, ...args], { stdio: 'inherit' });
run('typescript/bin/tsc', ['-p', 'tsconfig.build.json']);
run('tsc-alias/dist/bin/index.js', ['-p', 'tsconfig.build.json']);

// SPEC §6 runs `node dist/apps/<app>/main.js`; the sources keep Nest's apps/<app>/src layout.
for (const app of readdirSync('apps')) {
  if (existsSync(`dist/apps/${app}/src/main.js`)) {
    writeFileSync(`dist/apps/${app}/main.js`, "import './src/main.js';\n");
  }
}
