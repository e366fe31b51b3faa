// tsc + tsc-alias: compiles apps and libs to dist/ and rewrites the @wxgate/* aliases to relative
// ESM paths, so `node dist/apps/<app>/main.js` runs without a loader. The output is built in a
// scratch folder and swapped in, so a process started during a build never sees half-rewritten files.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';

const scratch = `.build-${process.pid}`;
const run = (bin, args) => execFileSync(process.execPath, [`node_modules/${bin}`, ...args], { stdio: 'inherit' });
try {
  run('typescript/bin/tsc', ['-p', 'tsconfig.build.json', '--outDir', scratch]);
  run('tsc-alias/dist/bin/index.js', ['-p', 'tsconfig.build.json', '--outDir', scratch]);
  // SPEC §6 runs `node dist/apps/<app>/main.js`; the sources keep Nest's apps/<app>/src layout.
  for (const app of readdirSync('apps')) {
    if (existsSync(`${scratch}/apps/${app}/src/main.js`)) {
      writeFileSync(`${scratch}/apps/${app}/main.js`, "import './src/main.js';\n");
    }
    // Files an app reads at run time beside its code (the console's templates and static files).
    for (const folder of ['views', 'assets']) {
      if (existsSync(`apps/${app}/${folder}`)) cpSync(`apps/${app}/${folder}`, `${scratch}/apps/${app}/${folder}`, { recursive: true });
    }
  }
  const old = `.build-old-${process.pid}`;
  if (existsSync('dist')) renameSync('dist', old);
  renameSync(scratch, 'dist');
  rmSync(old, { recursive: true, force: true });
} catch (err) {
  rmSync(scratch, { recursive: true, force: true });
  process.exitCode = 1;
  if (err.status === undefined) throw err;
}
