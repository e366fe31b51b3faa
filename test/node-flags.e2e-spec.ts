/**
 * The process flags of scripts/node-flags.mjs (docs/operations.md, "Process flags") are the ones
 * every documented way of starting an app uses — `npm run start:<app>`, the image's CMD,
 * docker-compose.yml — and they do what they are there for.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { APP_NODE_ARGS, nodeArgsOf } from '../scripts/node-flags.mjs';
import { ROOT } from './support/harness.js';

const APPS = ['forwarder', 'token-refresher', 'policy', 'console', 'wechat-sandbox'];
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** The node flags written before `dist/apps/<app>/main.js` in a command. */
function flagsBefore(command: string[], app: string): string[] {
  const at = command.indexOf(`dist/apps/${app}/main.js`);
  expect(at).toBeGreaterThan(0);
  expect(command[0]).toBe('node');
  return command.slice(1, at);
}

describe('process flags', () => {
  it('are the same in package.json, the Dockerfile and docker-compose.yml', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const app of APPS) {
      const script = scripts[`start:${app}`];
      if (script === undefined) continue;
      expect([app, flagsBefore(script.split(/\s+/), app)]).toEqual([app, [...nodeArgsOf(app)]]);
    }
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'));
    const image = JSON.parse(cmd![1]!) as string[];
    const imageApp = /dist\/apps\/([a-z-]+)\/main\.js/.exec(image.join(' '))![1]!;
    expect(flagsBefore(image, imageApp)).toEqual([...nodeArgsOf(imageApp)]);
    const commands = [...read('docker-compose.yml').matchAll(/command: (\[.*\])/g)].map((m) => JSON.parse(m[1]!) as string[]);
    const composed = commands.filter((c) => c.some((part) => part.startsWith('dist/apps/')));
    expect(composed.length).toBeGreaterThan(0);
    for (const c of composed) {
      const app = /dist\/apps\/([a-z-]+)\/main\.js/.exec(c.join(' '))![1]!;
      expect([app, flagsBefore(c, app)]).toEqual([app, [...nodeArgsOf(app)]]);
    }
    expect(Object.keys(APP_NODE_ARGS).every((app) => APPS.includes(app))).toBe(true);
  });

  it("give the forwarder's process a young generation of at least 16 MiB from the start", () => {
    const youngMiB = (flags: readonly string[]) =>
      Number(
        execFileSync(process.execPath, [...flags, '-e', "const s = require('node:v8').getHeapSpaceStatistics().find((x) => x.space_name === 'new_space'); process.stdout.write(String(s.space_size / 2 ** 20))"], {
          encoding: 'utf8',
        }),
      );
    const plain = youngMiB([]);
    const tuned = youngMiB(nodeArgsOf('forwarder'));
    expect(tuned).toBeGreaterThanOrEqual(16);
    expect(tuned).toBeGreaterThan(plain);
  });
});
