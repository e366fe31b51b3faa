#!/usr/bin/env node
// The `wxgate` admin CLI: runs the compiled apps/cli (npm run build).
import { existsSync } from 'node:fs';

const main = new URL('../dist/apps/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('wxgate: not built yet: run npm run build first\n');
  process.exit(1);
}
await import(main.href);
