import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Where the console's templates and static files are: `apps/console/{views,assets}` beside the
 * sources, copied to `dist/apps/console/` by scripts/build.mjs, so both run from this file's folder.
 */
const appRoot = fileURLToPath(new URL('..', import.meta.url));
export const VIEWS_DIR = `${appRoot}views`;
export const ASSETS_DIR = `${appRoot}assets`;

const require = createRequire(import.meta.url);

/**
 * Every file the browser may load, by its URL under /static/: the console's own, and the two
 * libraries served from node_modules (no CDN, no build step).
 */
export const STATIC_FILES: Record<string, string> = {
  'console.css': `${ASSETS_DIR}/console.css`,
  'console.js': `${ASSETS_DIR}/console.js`,
  'htmx.min.js': require.resolve('htmx.org/dist/htmx.min.js'),
  'uPlot.iife.min.js': require.resolve('uplot/dist/uPlot.iife.min.js'),
  'uPlot.min.css': require.resolve('uplot/dist/uPlot.min.css'),
};
