// The processes a fuzz campaign attacks, all real: a private nats-server, the built forwarder and
// token-refresher, a stand-in WeChat that records every call it receives, and a stand-in control
// plane on NATS (policy.check, policy.callers, token.get) whose allowlist, caller and injected token are known, so the
// oracles can tell a bypass from a legitimate call.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { freePort, startNatsServer } from '../../scripts/nats-server.mjs';

export { connectionsOn } from '../support/process-sockets.mjs';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export const APP_ID = 'wxf0220000000000a1';
export const COMPONENT = { appid: 'wxf0220000000000c1', secret: 'fuzz-component-secret', token: 'fuzzmsgtoken', aesKey: 'fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzabc' };
/** The paths the stand-in policy allows; anything else is PATH_NOT_ALLOWED. */
export const ALLOWLIST = ['/wxa/msg_sec_check', '/cgi-bin/message/custom/send', '/wxa/getwxacode'];
/** The token the stand-in token service hands out: an upstream call carrying it was injected. */
export const INJECTED_TOKEN = 'FUZZINJECTED0123456789abcdef';
/** The environment's one caller (docs/callers.md): requests must present it, and it never reaches WeChat. */
export const CALLER = { name: 'fuzz-caller', secret: 'wxgc_fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuz' };
export const RESERVED = ['/cgi-bin/token', '/cgi-bin/stable_token', '/cgi-bin/component/api_component_token', '/cgi-bin/component/api_authorizer_token', '/cgi-bin/component/api_query_auth'];

function tempDir(prefix) {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

async function waitReady(proc, adminPort, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited with ${proc.child.exitCode}:\n${proc.output().slice(-2000)}`);
    const res = await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined);
    if (res?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`${proc.name} not ready:\n${proc.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startApp(name, env) {
  const cwd = tempDir(`wxgate-fuzz-${name}-`);
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/apps', name, 'main.js')], {
    cwd,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return { name, child, cwd, exited, output: () => out };
}

/** A WeChat stand-in: answers every call `{"errcode":0}` and records method, target and Host. */
async function startUpstream() {
  const calls = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', () => undefined);
    req.on('end', () => {
      const callerHeaders = Object.keys(req.headers).filter((h) => h === 'x-wxgate-caller' || h === 'proxy-authorization');
      calls.push({ method: req.method, url: req.url ?? '', bytes: Buffer.concat(chunks).length, callerHeaders });
      const body = '{"errcode":0,"errmsg":"ok"}';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    calls,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** policy.check, policy.callers and token.get for the forwarder, with a known allowlist and token. */
function serveControlPlane(nc) {
  const json = (o) => JSON.stringify(o);
  const subs = [
    nc.subscribe('wxgate.policy.check', {
      callback: (_e, msg) => {
        let req;
        try {
          req = msg.json();
        } catch {
          msg.respond(json({ error: { reason: 'BAD_REQUEST', message: 'not JSON', errcode: 47001 } }));
          return;
        }
        const allowed = ALLOWLIST.includes(req.path) && (req.fromAppid === undefined || req.fromAppid === APP_ID);
        msg.respond(
          json(
            allowed
              ? { allowed: true, credential: { kind: 'app', appid: APP_ID }, tokenParam: 'access_token' }
              : { allowed: false, reason: 'PATH_NOT_ALLOWED', errcode: 85107, message: `${String(req.path).slice(0, 64)} is not on the allowlist` },
          ),
        );
      },
    }),
    nc.subscribe('wxgate.policy.callers', {
      callback: (_e, msg) => msg.respond(json({ callers: [{ name: CALLER.name, secretHash: createHash('sha256').update(CALLER.secret).digest('hex') }] })),
    }),
    nc.subscribe('wxgate.token.get.*.*', {
      callback: (_e, msg) => {
        const [, , , kind, appid] = msg.subject.split('.');
        msg.respond(json({ kind, appid, token: INJECTED_TOKEN, expiresAt: Date.now() + 3_600_000 }));
      },
    }),
    nc.subscribe('wxgate.token.invalidate.*.*', {
      callback: (_e, msg) => {
        const [, , , kind, appid] = msg.subject.split('.');
        msg.respond(json({ kind, appid, token: INJECTED_TOKEN, expiresAt: Date.now() + 3_600_000 }));
      },
    }),
  ];
  return () => subs.forEach((s) => s.unsubscribe());
}

/** Everything a campaign needs, started; `stop()` ends it all (also on failure half-way). */
export async function startTargets() {
  const stops = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const nats = await startNatsServer();
    stops.push(() => nats.stop());
    const upstream = await startUpstream();
    stops.push(() => upstream.close());
    const nc = await connect({ servers: nats.url, name: 'wxgate-fuzz' });
    stops.push(() => nc.close());
    const stopControlPlane = serveControlPlane(nc);
    stops.push(async () => stopControlPlane());
    // Every event the callback receiver publishes, by its ticket (one per fuzz case).
    const published = new Set();
    nc.subscribe('wxgate.events.wechat.>', {
      callback: (_e, msg) => {
        try {
          const ticket = msg.json().ComponentVerifyTicket;
          if (typeof ticket === 'string') published.add(ticket);
        } catch {
          published.add(`unparsable:${msg.subject}`);
        }
      },
    });

    const [http, https, fwdAdmin, callback, refAdmin] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const forwarder = startApp('forwarder', {
      NATS_URL: nats.url,
      ENV_ID: 'fuzz',
      PORT: String(http),
      TLS_PORT: String(https),
      ADMIN_PORT: String(fwdAdmin),
      WECHAT_API_BASE: upstream.url,
      WECHAT_API_BACKUP: '',
      UPSTREAM_TIMEOUT_MS: '2000',
      RELAY_HEADERS_TIMEOUT_MS: '1000',
      MAX_BODY_BYTES: String(256 * 1024),
    });
    stops.push(() => stopApp(forwarder));
    const refresher = startApp('token-refresher', {
      NATS_URL: nats.url,
      ADMIN_PORT: String(refAdmin),
      CALLBACK_PORT: String(callback),
      // Refreshes triggered by accepted tickets must not reach the recording stand-in.
      WECHAT_API_BASE: 'http://127.0.0.1:9',
      WECHAT_API_BACKUP: '',
      WXGATE_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    stops.push(() => stopApp(refresher));
    await Promise.all([waitReady(forwarder, fwdAdmin), waitReady(refresher, refAdmin)]);
    const put = await nc.request(
      'wxgate.admin.component.put',
      JSON.stringify({ componentAppid: COMPONENT.appid, componentAppsecret: COMPONENT.secret, token: COMPONENT.token, encodingAesKey: COMPONENT.aesKey }),
      { timeout: 5_000 },
    );
    if (put.json().error) throw new Error(`component.put refused: ${put.string()}`);
    return {
      nats,
      nc,
      upstream,
      published,
      forwarder: { ...forwarder, ports: { http, https, admin: fwdAdmin } },
      refresher: { ...refresher, ports: { callback, admin: refAdmin } },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function stopApp(proc) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
  await proc.exited;
  clearTimeout(timer);
  rmSync(proc.cwd, { recursive: true, force: true });
}

/** Resident set of a process, bytes. */
export function rssBytes(pid) {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(kb?.[1] ?? 0) * 1024;
}
