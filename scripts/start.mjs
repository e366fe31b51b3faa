// `npm start` (docs/operations.md): the three services against real WeChat, configured by the README's configuration
// variables, with SQLite under ./data. A local nats-server with JetStream (store ./data/nats) is
// started when nothing answers at NATS_URL. Ctrl-C, SIGTERM, SIGHUP or its parent (npm) going away
// stops everything it started.
//
// Each service gets its documented default ADMIN_PORT (forwarder 9090, policy 9091, token-refresher
// 9092): one ADMIN_PORT for all three would collide on one machine.
import path from 'node:path';
import { existsSync } from 'node:fs';
import { natsReachable } from './nats-server.mjs';
import { portFree, ROOT, stopWhenAsked, Supervisor } from './supervisor.mjs';

const APPS = [
  ['token-refresher', 9092],
  ['policy', 9091],
  ['forwarder', 9090],
];

const say = (line) => process.stderr.write(`wxgate start: ${line}\n`);

async function natsUrl(supervisor) {
  const url = process.env.NATS_URL || 'nats://127.0.0.1:4222';
  const first = url.split(',')[0].trim();
  if (await natsReachable(first, 1000)) {
    say(`using the NATS server at ${first.replace(/\/\/[^@/]*@/, '//***@')}`);
    return url;
  }
  const { hostname, port } = new URL(first);
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(hostname)) {
    throw new Error(`nothing answers at NATS_URL ${first}; start that NATS server, or unset NATS_URL for a local one`);
  }
  const natsPort = Number(port || 4222);
  if (!(await portFree(natsPort))) throw new Error(`port ${natsPort} is in use but is not a NATS server: set NATS_URL`);
  const local = await supervisor.startNats(natsPort, path.join(ROOT, 'data/nats'));
  say(`started nats-server with JetStream at ${local} (store data/nats)`);
  return local;
}

async function main() {
  for (const [app] of APPS) {
    if (!existsSync(path.join(ROOT, 'dist/apps', app, 'main.js'))) throw new Error(`dist/apps/${app}/main.js is missing: run npm run build (npm start does)`);
  }
  const supervisor = new Supervisor();
  let stopping = false;
  const stop = async (why, code = 0) => {
    if (stopping) return;
    stopping = true;
    say(`${why}: stopping`);
    await supervisor.stopAll();
    process.exit(code);
  };
  stopWhenAsked(stop);

  try {
    const nats = await natsUrl(supervisor);
    // The forwarder stops first (tier 2) while the services it asks are still up.
    const started = APPS.map(([app, adminPort]) => [supervisor.startApp(app, { ...process.env, NATS_URL: nats, ADMIN_PORT: String(adminPort) }, app === 'forwarder' ? 2 : 1), adminPort]);
    await Promise.all(started.map(([entry, adminPort]) => supervisor.waitReady(entry, adminPort, 60_000)));
  } catch (err) {
    say(err.message);
    await stop('start failed', 1);
    return;
  }
  const port = process.env.PORT || 8080;
  const tlsPort = process.env.TLS_PORT || 8443;
  say(`ready: forwarder http://127.0.0.1:${port} https://127.0.0.1:${tlsPort}, WeChat callback :${process.env.CALLBACK_PORT || 8081}/wechat/callback; admin ports 9090-9092. Ctrl-C stops.`);
  say('next: npx wxgate component add <appid> (then env add, allow add; see docs/operations.md)');
  const crashed = await supervisor.firstExit();
  if (!stopping) await stop(`${crashed.name} exited (${crashed.code})`, 1);
}

await main();
