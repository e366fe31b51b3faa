// `npm run bench` (issue 8): wxgate against baselines measured in the same run on the same machine.
//
// Starts a private NATS, the WeChat sandbox (call log off), the token-refresher, policy and
// forwarder as built processes (each in its own temp cwd, so SQLite lands in a temp ./data), seeds
// them the way an operator would (component.put, authorizer.put imports of authorizations that
// exist in the sandbox, env + allowlist over NATS), then measures, in this order:
//   - token economy: 1,000 concurrent cold calls over 100 authorizers → WeChat token calls,
//     then a full restart of the three services and the same calls again (cold caches first);
//   - memory: the forwarder's peak RSS during 20 concurrent 30 MiB uploads;
//   - relay: forwarder vs the sandbox called directly vs bench/minimal-proxy.mjs (50 connections,
//     small JSON GET and 4 KiB JSON POST), and the latency added at a fixed 1,000 req/s;
//   - token service: token.get and policy.check with 64 in flight vs a raw NATS echo.
// Prints a markdown table, writes bench/results.json and BENCHMARKS.md.
//
// BENCH_DURATION_S   seconds each target is measured under each load (default 10), split over
// BENCH_ROUNDS       rounds (default 4) that alternate the targets
// BENCH_CPU_PROF     `1` or a comma list of apps (forwarder,token-refresher,policy,minimal,echo): run them with
//                    --cpu-prof into bench/profiles/ and print the top self-time frames
// BENCH_HEAP_PROF    `1` or a comma list of apps: sample their allocations (collected objects
//                    included) during each measured load, into bench/profiles/heap-<app>/
// BENCH_HEAP_SURVIVORS `1`: with BENCH_HEAP_PROF, count only objects that outlived a scavenge (what is promoted)
// BENCH_NODE_ARGS    node flags for every process under test (services and baselines alike), e.g. `--trace-gc`
// BENCH_KEEP_TMP     `1`: keep the temp directory (logs, databases) for a look afterwards
// BENCH_SECTIONS     comma list of the sections to run (tokenEconomy,memory,relay,tokenService; default all),
//                    e.g. `relay` to measure the relay on a forwarder that saw no earlier load
// BENCH_DIST         run the apps from another build directory (default ./dist), e.g. a patched
//                    copy, to measure a fix against the same baselines before it lands
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { connect } from '@nats-io/transport-node';
import { Pool } from 'undici';
import { freePort, startNatsServer, waitForPort } from '../scripts/nats-server.mjs';
import { nodeArgsOf } from '../scripts/node-flags.mjs';
import { httpLoad, natsLoad, summarize } from './lib/load.mjs';
import { procCpuMs, procStatus, readyz, ROOT, startProcess, waitFor } from './lib/processes.mjs';
import { renderBenchmarksMd, renderTable, evaluateTargets } from './lib/report.mjs';
import { formatHeapSummary, formatSummary, summarise, summariseHeap } from './profile-summary.mjs';

const DURATION_S = positiveNumber('BENCH_DURATION_S', 10);
const WARMUP_S = Math.min(2, DURATION_S);
const PROFILED = profiledApps(process.env.BENCH_CPU_PROF);
const HEAP_PROFILED = profiledApps(process.env.BENCH_HEAP_PROF);
const KEEP_TMP = process.env.BENCH_KEEP_TMP === '1';
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const SECTIONS = new Set((process.env.BENCH_SECTIONS || 'tokenEconomy,memory,relay,tokenService').split(',').map((s) => s.trim()).filter(Boolean));
const DIST = path.resolve(process.env.BENCH_DIST || path.join(ROOT, 'dist'));

const COMPONENT = { appid: 'wxbe9c00000000c001', secret: randomBytes(16).toString('hex'), token: randomBytes(12).toString('hex'), encodingAesKey: aesKey() };
const AUTHORIZERS = Array.from({ length: 100 }, (_, i) => ({ appid: `wxbe9a${i.toString(16).padStart(12, '0')}`, refreshToken: `refreshtoken@@@bench-${i}-${randomBytes(8).toString('hex')}` }));
const RELAY_AUTHORIZER = AUTHORIZERS[0].appid;
const ENV_ID = 'bench';
const GET_PATH = '/wxa/getwxadevinfo';
const POST_PATH = '/wxa/msg_sec_check';
const TOKEN_PATHS = { component: '/cgi-bin/component/api_component_token', authorizer: '/cgi-bin/component/api_authorizer_token' };
const COLD_CALLS = 1000;
const UPLOADS = 20;
const UPLOAD_BYTES = 30 * 1024 * 1024;
const FIXED_RATE = 1000;
/** Issue 11's added-latency target is at a steady 1,000 req/s on one connection. */
const FIXED_CONNECTIONS = 1;
const NATS_IN_FLIGHT = 64;
const SINGLE_S = Math.max(1, DURATION_S / 5);
const ROUNDS = Math.max(1, Math.round(positiveNumber('BENCH_ROUNDS', 4)));

function positiveNumber(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) {
    process.stderr.write(`bench: ${name} must be a positive number, got ${JSON.stringify(raw)}\n`);
    process.exit(64);
  }
  return v;
}

function profiledApps(raw) {
  if (!raw || raw === '0') return new Set();
  if (raw === '1') return new Set(['forwarder']);
  return new Set(raw.split(',').map((s) => s.trim()).filter(Boolean));
}

function aesKey() {
  return randomBytes(32).toString('base64').slice(0, 43).replace(/[+/]/g, 'A');
}

const log = (line) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** A fixed 4 KiB JSON body (msg_sec_check's shape). */
function jsonBody(bytes) {
  const shell = { content: '', version: 2, scene: 1, openid: 'oBenchOpenid000000000000000' };
  const base = Buffer.byteLength(JSON.stringify(shell));
  shell.content = 'x'.repeat(bytes - base);
  const text = JSON.stringify(shell);
  if (Buffer.byteLength(text) !== bytes) throw new Error('body size mismatch');
  return text;
}

class Bench {
  procs = {};
  results = {};
  /** Measured load runs by app under load, for profiles restricted to them. */
  windows = [];

  /**
   * Runs `run(name)` for every name, ROUNDS times, in alternating order (so a burst of load from
   * elsewhere on a shared machine does not land on one target only), and merges each name's runs.
   */
  async rounds(names, run) {
    const runs = Object.fromEntries(names.map((n) => [n, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of round % 2 === 0 ? names : [...names].reverse()) runs[name].push(await run(name));
    }
    return Object.fromEntries(names.map((n) => [n, summarize(runs[n])]));
  }

  /** The forwarder's resident memory now, kept under `label` (context for the memory figure). */
  rss(label) {
    const s = this.procs.forwarder && procStatus(this.procs.forwarder.pid);
    if (!s) return;
    this.results.forwarderRssMiB ??= {};
    this.results.forwarderRssMiB[label] = Math.round(s.rssMiB * 10) / 10;
  }

  profilingArgs(app) {
    const args = [...NODE_ARGS];
    if (PROFILED.has(app)) args.push('--cpu-prof', `--cpu-prof-dir=${this.profileDir}`, `--cpu-prof-name=${app}-${Date.now()}.cpuprofile`);
    if (HEAP_PROFILED.has(app)) args.push('--import', path.join(ROOT, 'bench/lib/heap-sampler.mjs'));
    return args;
  }

  heapEnv(app) {
    if (!HEAP_PROFILED.has(app)) return {};
    const dir = path.join(this.profileDir, `heap-${app}`);
    mkdirSync(dir, { recursive: true });
    return { BENCH_HEAP_PROF_DIR: dir, ...(process.env.BENCH_HEAP_SURVIVORS ? { BENCH_HEAP_SURVIVORS: process.env.BENCH_HEAP_SURVIVORS } : {}) };
  }

  /** Heap sampling of `app` follows the measured loads: one profile per load label. */
  heapSampling = {};

  async heapFollow(app, label) {
    if (!HEAP_PROFILED.has(app)) return;
    const current = this.heapSampling[app];
    if (current?.label === label) return;
    if (current) await this.heapStop(app);
    const pid = this.pidOf(app);
    if (!pid || label === undefined) return;
    process.kill(pid, 'SIGUSR2');
    this.heapSampling[app] = { label, pid };
  }

  async heapStop(app) {
    const current = this.heapSampling[app];
    if (!current) return;
    delete this.heapSampling[app];
    const dir = path.join(this.profileDir, `heap-${app}`);
    const name = current.label.replace(/[^A-Za-z0-9._-]+/g, '-');
    writeFileSync(path.join(dir, 'label'), name);
    const file = path.join(dir, `${name}.heapprofile`);
    rmSync(file, { force: true });
    try {
      process.kill(current.pid, 'SIGUSR2');
      await waitFor(`the heap profile of ${app}`, () => existsSync(file) && statSync(file).size > 0, { timeoutMs: 10_000 });
      log(`heap profile of ${app} during ${current.label}: ${path.relative(ROOT, file)}`);
    } catch (err) {
      log(`no heap profile of ${app}: ${err.message}`);
    }
  }

  async heapStopAll() {
    for (const app of Object.keys(this.heapSampling)) await this.heapStop(app);
  }

  /** Process ids by the name a load run is filed under (`direct` is the sandbox itself). */
  pidOf(app) {
    const proc = { direct: this.procs.sandbox, minimal: this.procs.minimal, echo: this.procs.echo }[app] ?? this.procs[app];
    return proc?.pid;
  }

  /**
   * Runs one measured load: remembers its time window (for profiles) and adds the CPU time the
   * process under test used meanwhile (`cpuMs`) and, for relays, the sandbox's (`upstreamCpuMs`).
   */
  async measured(app, label, fn) {
    const pid = this.pidOf(app);
    const upstreamPid = app === 'direct' ? undefined : this.procs.sandbox?.pid;
    await this.heapFollow(app, label);
    const cpu0 = pid && procCpuMs(pid);
    const up0 = label.startsWith('relay') || label.startsWith('GET') ? upstreamPid && procCpuMs(upstreamPid) : undefined;
    const start = Number(process.hrtime.bigint() / 1000n);
    try {
      const result = await fn();
      if (cpu0 !== undefined) result.cpuMs = procCpuMs(pid) - cpu0;
      if (up0 !== undefined) result.upstreamCpuMs = procCpuMs(upstreamPid) - up0;
      return result;
    } finally {
      this.windows.push({ app, label, start, end: Number(process.hrtime.bigint() / 1000n) });
    }
  }

  constructor() {
    this.tmp = mkdtempSync(path.join(os.tmpdir(), 'wxgate-bench-'));
    this.logDir = path.join(this.tmp, 'logs');
    mkdirSync(this.logDir);
    this.profileDir = path.join(ROOT, 'bench/profiles');
    if (PROFILED.size > 0 || HEAP_PROFILED.size > 0) mkdirSync(this.profileDir, { recursive: true });
  }

  // ---------------------------------------------------------------- processes

  async start() {
    for (const app of ['wechat-sandbox', 'token-refresher', 'policy', 'forwarder']) {
      if (!existsSync(path.join(DIST, 'apps', app, 'main.js'))) throw new Error(`${path.relative(ROOT, DIST) || DIST}/apps/${app}/main.js is missing: run npm run build (npm run bench does)`);
    }
    this.nats = await startNatsServer({ storeDir: path.join(this.tmp, 'nats') });
    this.ports = {
      sandbox: await freePort(),
      callback: await freePort(),
      refresherAdmin: await freePort(),
      policyAdmin: await freePort(),
      http: await freePort(),
      tls: await freePort(),
      forwarderAdmin: await freePort(),
      minimal: await freePort(),
    };
    this.sandboxUrl = `http://127.0.0.1:${this.ports.sandbox}`;
    this.forwarderUrl = `http://127.0.0.1:${this.ports.http}`;
    this.minimalUrl = `http://127.0.0.1:${this.ports.minimal}`;
    log(`NATS ${this.nats.url}, temp dir ${this.tmp}`);

    // The authorizations exist in WeChat from the start, each with a refresh token the operator
    // imports with authorizer.put (no events are pushed for seeded ones).
    const seed = {
      components: [COMPONENT],
      authorizations: AUTHORIZERS.map((a) => ({ componentAppid: COMPONENT.appid, authorizerAppid: a.appid, funcScopes: [17, 18, 19], refreshToken: a.refreshToken })),
    };
    this.procs.sandbox = startProcess('wechat-sandbox', path.join(DIST, 'apps/wechat-sandbox/main.js'), {
      SANDBOX_PORT: String(this.ports.sandbox),
      SANDBOX_HOST: '127.0.0.1',
      SANDBOX_CALL_LOG: 'off',
      SANDBOX_SEED: JSON.stringify(seed),
    }, { cwd: this.tmp, logDir: this.logDir });
    await waitFor('the WeChat sandbox', async () => (await fetch(`${this.sandboxUrl}/__sandbox/state`).catch(() => undefined))?.ok, { proc: this.procs.sandbox });
    await this.startServices();
    this.nc = await connect({ servers: this.nats.url, name: 'wxgate-bench' });
  }

  serviceEnv() {
    return { NATS_URL: this.nats.url, WECHAT_API_BASE: this.sandboxUrl, WECHAT_API_BACKUP: '', LOG_LEVEL: 'info' };
  }

  async startServices() {
    const common = this.serviceEnv();
    const apps = [
      ['token-refresher', { ...common, ADMIN_PORT: String(this.ports.refresherAdmin), CALLBACK_PORT: String(this.ports.callback) }, this.ports.refresherAdmin],
      ['policy', { ...common, ADMIN_PORT: String(this.ports.policyAdmin) }, this.ports.policyAdmin],
      ['forwarder', { ...common, ADMIN_PORT: String(this.ports.forwarderAdmin), ENV_ID, PORT: String(this.ports.http), TLS_PORT: String(this.ports.tls) }, this.ports.forwarderAdmin],
    ];
    for (const [app, env] of apps) {
      const cwd = path.join(this.tmp, app);
      mkdirSync(cwd, { recursive: true });
      this.procs[app] = startProcess(app, path.join(DIST, 'apps', app, 'main.js'), { ...env, ...this.heapEnv(app) }, { cwd, logDir: this.logDir, nodeArgs: [...nodeArgsOf(app), ...this.profilingArgs(app)] });
    }
    await Promise.all(apps.map(([app, , adminPort]) => waitFor(`${app} /readyz`, () => readyz(adminPort), { proc: this.procs[app] })));
  }

  async stopServices() {
    // The relay first, then what it depends on (as an operator would).
    for (const app of ['forwarder', 'policy', 'token-refresher']) await this.procs[app]?.stop();
  }

  async stopAll() {
    await this.nc?.close().catch(() => undefined);
    for (const name of ['minimal', 'echo']) await this.procs[name]?.stop();
    await this.stopServices();
    await this.procs.sandbox?.stop();
    await this.nats?.stop();
  }

  // ---------------------------------------------------------------- helpers

  async request(subject, payload = {}, timeout = 10_000) {
    const reply = await this.nc.request(subject, JSON.stringify(payload), { timeout });
    const body = reply.json();
    if (body && typeof body === 'object' && 'error' in body) throw new Error(`${subject}: ${body.error.reason}: ${body.error.message}`);
    return body;
  }

  async sandboxAdmin(method, route, body) {
    const res = await fetch(`${this.sandboxUrl}/__sandbox/${route}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await res.json();
    if (res.status !== 200) throw new Error(`sandbox ${method} ${route}: ${res.status} ${json.error ?? ''}`);
    return json;
  }

  async tokenCalls() {
    const { counts } = await this.sandboxAdmin('GET', 'calls');
    return { component: counts[TOKEN_PATHS.component] ?? 0, authorizer: counts[TOKEN_PATHS.authorizer] ?? 0, all: counts };
  }

  // ---------------------------------------------------------------- seeding

  async seed() {
    await this.request('wxgate.admin.component.put', { componentAppid: COMPONENT.appid, componentAppsecret: COMPONENT.secret, token: COMPONENT.token, encodingAesKey: COMPONENT.encodingAesKey });
    // With a callback URL the sandbox starts pushing component_verify_tickets to the refresher.
    await this.sandboxAdmin('POST', 'components', { ...COMPONENT, callbackUrl: `http://127.0.0.1:${this.ports.callback}/wechat/callback` });
    await waitFor('the first component_verify_ticket to be stored', async () => {
      const list = await this.request('wxgate.admin.credentials.list');
      const component = list.find((c) => c.kind === 'component' && c.appid === COMPONENT.appid);
      return component && component.status !== 'no_ticket';
    });
    for (let i = 0; i < AUTHORIZERS.length; i += 10) {
      await Promise.all(AUTHORIZERS.slice(i, i + 10).map((a) => this.request('wxgate.admin.authorizer.put', { componentAppid: COMPONENT.appid, authorizerAppid: a.appid, refreshToken: a.refreshToken })));
    }
    await this.request('wxgate.admin.env.put', { envId: ENV_ID, ownerAppid: COMPONENT.appid, ownerKind: 'component' });
    await this.request('wxgate.admin.allowlist.add', { envId: ENV_ID, paths: [GET_PATH, POST_PATH] });
    await waitFor('the policy to learn all 100 authorizations', async () => {
      const decisions = await Promise.all(AUTHORIZERS.map((a) => this.request('wxgate.policy.check', { envId: ENV_ID, path: GET_PATH, fromAppid: a.appid })));
      return decisions.every((d) => d.allowed);
    }, { timeoutMs: 60_000, intervalMs: 250 });
    log('seeded: component, 100 authorizers imported, environment + allowlist');
  }

  // ---------------------------------------------------------------- 3. token economy

  /** 1,000 calls at once, 10 per authorizer, each a distinct connection. */
  async coldCalls() {
    const pool = new Pool(this.forwarderUrl, { connections: COLD_CALLS, pipelining: 1 });
    const started = performance.now();
    try {
      const answers = await Promise.all(
        Array.from({ length: COLD_CALLS }, async (_, i) => {
          const appid = AUTHORIZERS[i % AUTHORIZERS.length].appid;
          const res = await pool.request({ method: 'GET', path: `${GET_PATH}?from_appid=${appid}` });
          const text = await res.body.text();
          let errcode;
          try {
            errcode = JSON.parse(text).errcode;
          } catch {
            errcode = undefined;
          }
          return { status: res.statusCode, errcode, text };
        }),
      );
      const ok = answers.filter((a) => a.status === 200 && a.errcode === 0).length;
      const failed = answers.find((a) => !(a.status === 200 && a.errcode === 0));
      return { ok, ms: Math.round(performance.now() - started), ...(failed ? { firstFailure: `${failed.status} ${failed.text.slice(0, 300)}` } : {}) };
    } finally {
      await pool.close();
    }
  }

  async tokenEconomy() {
    const before = await this.tokenCalls();
    const cold = await this.coldCalls();
    const afterCold = await this.tokenCalls();
    log(`cold: ${cold.ok}/${COLD_CALLS} ok in ${cold.ms} ms; WeChat token calls: authorizer ${afterCold.authorizer - before.authorizer}, component ${afterCold.component - before.component}`);

    log('restarting token-refresher, policy and forwarder (same data directories)…');
    const restartStarted = performance.now();
    await this.stopServices();
    await this.startServices();
    const restartMs = Math.round(performance.now() - restartStarted);
    this.rss('ready after restart');
    const again = await this.coldCalls();
    this.rss('after 1,000 calls');
    const afterRestart = await this.tokenCalls();
    log(`after restart (${restartMs} ms): ${again.ok}/${COLD_CALLS} ok in ${again.ms} ms; WeChat token calls: authorizer ${afterRestart.authorizer - afterCold.authorizer}, component ${afterRestart.component - afterCold.component}`);

    this.results.tokenEconomy = {
      calls: COLD_CALLS,
      authorizers: AUTHORIZERS.length,
      cold: {
        ok: cold.ok,
        ms: cold.ms,
        authorizerTokenCalls: afterCold.authorizer - before.authorizer,
        componentTokenCalls: afterCold.component - before.component,
        ...(cold.firstFailure ? { firstFailure: cold.firstFailure } : {}),
      },
      afterRestart: {
        restartMs,
        ok: again.ok,
        ms: again.ms,
        authorizerTokenCalls: afterRestart.authorizer - afterCold.authorizer,
        componentTokenCalls: afterRestart.component - afterCold.component,
        ...(again.firstFailure ? { firstFailure: again.firstFailure } : {}),
      },
      sandboxCallCounts: afterRestart.all,
    };
  }

  // ---------------------------------------------------------------- 1. relay

  async relay() {
    const token = await this.request(`wxgate.token.get.authorizer.${RELAY_AUTHORIZER}`);
    const injected = `access_token=${encodeURIComponent(token.token)}`;
    // The baseline runs with the forwarder's process flags: the comparison is of code, not of V8 tuning.
    this.procs.minimal = startProcess('minimal-proxy', path.join(ROOT, 'bench/minimal-proxy.mjs'), { UPSTREAM: this.sandboxUrl, INJECT: injected, PORT: String(this.ports.minimal), ...this.heapEnv('minimal') }, { cwd: this.tmp, logDir: this.logDir, nodeArgs: [...nodeArgsOf('forwarder'), ...this.profilingArgs('minimal')] });
    await waitForPort(this.ports.minimal);

    const post = jsonBody(4096);
    const cases = {
      get: { method: 'GET', body: undefined, headers: {}, path: GET_PATH },
      post4k: { method: 'POST', body: post, headers: { 'content-type': 'application/json' }, path: POST_PATH },
    };
    const targets = {
      direct: (p) => `${this.sandboxUrl}${p}?${injected}`,
      minimal: (p) => `${this.minimalUrl}${p}?from_appid=${RELAY_AUTHORIZER}`,
      forwarder: (p) => `${this.forwarderUrl}${p}?from_appid=${RELAY_AUTHORIZER}`,
    };
    // Every target must answer errcode 0 before it is measured, or its figures mean nothing.
    for (const [name, url] of Object.entries(targets)) {
      for (const c of Object.values(cases)) {
        const res = await fetch(url(c.path), { method: c.method, body: c.body, headers: c.headers });
        const json = await res.json().catch(() => ({}));
        if (res.status !== 200 || json.errcode !== 0) throw new Error(`${name} ${c.method} ${c.path}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
      }
    }

    const relay = {};
    for (const [caseName, c] of Object.entries(cases)) {
      const opts = (name) => ({ url: targets[name](c.path), method: c.method, body: c.body, headers: c.headers, connections: 50 });
      for (const name of Object.keys(targets)) await httpLoad({ ...opts(name), seconds: WARMUP_S });
      relay[caseName] = await this.rounds(Object.keys(targets), (name) => this.measured(name, `relay ${caseName}`, () => httpLoad({ ...opts(name), seconds: DURATION_S / ROUNDS })));
      for (const [name, r] of Object.entries(relay[caseName])) {
        log(`relay ${caseName} ${name}: ${r.rps} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.cpuUsPerRequest} µs CPU/req${r.non2xx || r.errors ? ` (non2xx ${r.non2xx}, errors ${r.errors})` : ''}${r.rounds ? ` (rounds ${r.rounds.join(', ')} req/s)` : ''}`);
      }
      const { direct, minimal, forwarder } = relay[caseName];
      relay[caseName].forwarderOverMinimal = ratio(forwarder.rps, minimal.rps);
      // The same ratio round by round (the two ran back to back in each): how far one round's noise moves it.
      if (forwarder.rounds && minimal.rounds) relay[caseName].forwarderOverMinimalByRound = forwarder.rounds.map((rps, i) => ratio(rps, minimal.rounds[i]));
      relay[caseName].forwarderOverDirect = ratio(forwarder.rps, direct.rps);
      relay[caseName].minimalOverDirect = ratio(minimal.rps, direct.rps);
    }
    this.results.relay = { connections: 50, seconds: DURATION_S, rounds: ROUNDS, ...relay };

    // Added latency at a fixed arrival rate (well below saturation): forwarder minus direct.
    const fixedOpts = (name) => ({ url: targets[name](GET_PATH), connections: FIXED_CONNECTIONS, rate: FIXED_RATE });
    for (const name of Object.keys(targets)) await httpLoad({ ...fixedOpts(name), seconds: 1 });
    const fixed = await this.rounds(Object.keys(targets), (name) => this.measured(name, `GET at ${FIXED_RATE} req/s`, () => httpLoad({ ...fixedOpts(name), seconds: DURATION_S / ROUNDS })));
    for (const [name, r] of Object.entries(fixed)) log(`fixed ${FIXED_RATE} req/s ${name}: achieved ${r.rps} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.cpuUsPerRequest} µs CPU/req`);
    this.results.addedLatency = {
      rate: FIXED_RATE,
      connections: FIXED_CONNECTIONS,
      seconds: DURATION_S,
      rounds: ROUNDS,
      request: `GET ${GET_PATH}`,
      ...fixed,
      forwarderAddedP50Ms: diff(fixed.forwarder.p50Ms, fixed.direct.p50Ms),
      forwarderAddedP99Ms: diff(fixed.forwarder.p99Ms, fixed.direct.p99Ms),
      minimalAddedP50Ms: diff(fixed.minimal.p50Ms, fixed.direct.p50Ms),
      minimalAddedP99Ms: diff(fixed.minimal.p99Ms, fixed.direct.p99Ms),
    };
    await this.heapStopAll();
    await this.procs.minimal.stop();
  }

  // ---------------------------------------------------------------- 2. token service

  async tokenService() {
    this.procs.echo = startProcess('nats-echo', path.join(ROOT, 'bench/nats-echo.mjs'), { NATS_URL: this.nats.url, ...this.heapEnv('echo') }, { cwd: ROOT, logDir: this.logDir, nodeArgs: this.profilingArgs('echo') });
    await waitFor('the NATS echo responder', async () => (await this.nc.request('bench.echo.1', '', { timeout: 500 })).data.length === 1, { proc: this.procs.echo });

    // The pair form the forwarder asks (the four-token form first looks the component up).
    const tokenSubject = `wxgate.token.get.authorizer.${COMPONENT.appid}.${RELAY_AUTHORIZER}`;
    const checkPayload = JSON.stringify({ envId: ENV_ID, path: GET_PATH, fromAppid: RELAY_AUTHORIZER });
    const tokenReplyBytes = (await this.nc.request(tokenSubject, '', { timeout: 5000 })).data.length;
    const checkReplyBytes = (await this.nc.request('wxgate.policy.check', checkPayload, { timeout: 5000 })).data.length;

    // With 64 in flight, p50 ≈ 64 / throughput (Little's law), so the latency of one request on
    // its own is measured too, with one in flight.
    const compare = async (label, subject, payload, app, echoSubject) => {
      const loads = {
        echo: (seconds, inFlight = NATS_IN_FLIGHT) => natsLoad(this.nc, echoSubject, payload, { inFlight, seconds }),
        [app]: (seconds, inFlight = NATS_IN_FLIGHT) => natsLoad(this.nc, subject, payload, { inFlight, seconds }),
      };
      for (const load of Object.values(loads)) await load(Math.min(1, WARMUP_S));
      const merged = await this.rounds(Object.keys(loads), (name) => this.measured(name, name === 'echo' ? `echo for ${label}` : label, () => loads[name](DURATION_S / ROUNDS)));
      for (const [name, r] of Object.entries(merged)) {
        r.oneInFlight = summarize(await loads[name](SINGLE_S, 1));
        log(`${name === 'echo' ? `NATS echo (${echoSubject.split('.').pop()} B)` : label}: ${r.rps} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.cpuUsPerRequest} µs CPU/req${r.errors ? ` (errors ${r.errors}: ${r.firstError})` : ''}; one in flight: p50 ${r.oneInFlight.p50Ms} ms, p99 ${r.oneInFlight.p99Ms} ms`);
      }
      return { ...merged[app], echo: merged.echo };
    };
    const tokenGet = await compare('token.get', tokenSubject, '', 'token-refresher', `bench.echo.${tokenReplyBytes}`);
    const policyCheck = await compare('policy.check', 'wxgate.policy.check', checkPayload, 'policy', `bench.echo.${checkReplyBytes}`);
    await this.heapStopAll();
    await this.procs.echo.stop();

    this.results.tokenService = {
      inFlight: NATS_IN_FLIGHT,
      seconds: DURATION_S,
      rounds: ROUNDS,
      tokenGet: { subject: 'wxgate.token.get.authorizer.<componentAppid>.<appid>', replyBytes: tokenReplyBytes, ...tokenGet, overEcho: ratio(tokenGet.rps, tokenGet.echo.rps) },
      policyCheck: { subject: 'wxgate.policy.check', replyBytes: checkReplyBytes, ...policyCheck, overEcho: ratio(policyCheck.rps, policyCheck.echo.rps) },
    };
  }

  // ---------------------------------------------------------------- 4. memory

  async memory() {
    const pid = this.procs.forwarder.pid;
    const before = procStatus(pid);
    // Linux resets VmHWM (the peak) when 5 is written to clear_refs; where that is refused the
    // sampled VmRSS still gives the peak during the uploads.
    let hwmReset = false;
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
      hwmReset = true;
    } catch {
      hwmReset = false;
    }
    let peakSampled = procStatus(pid)?.rssMiB ?? 0;
    const sampler = setInterval(() => {
      const s = procStatus(pid);
      if (s?.rssMiB > peakSampled) peakSampled = s.rssMiB;
    }, 20);

    const chunk = Buffer.alloc(64 * 1024, 0x5a);
    async function* generated() {
      for (let sent = 0; sent < UPLOAD_BYTES; sent += chunk.length) yield chunk;
    }
    const pool = new Pool(this.forwarderUrl, { connections: UPLOADS, pipelining: 1 });
    const started = performance.now();
    let answers;
    try {
      answers = await this.measured('forwarder', 'uploads', () => Promise.all(
        Array.from({ length: UPLOADS }, async () => {
          const res = await pool.request({
            method: 'POST',
            path: `${POST_PATH}?from_appid=${RELAY_AUTHORIZER}`,
            headers: { 'content-type': 'application/octet-stream', 'content-length': String(UPLOAD_BYTES) },
            body: Readable.from(generated(), { objectMode: false }),
          });
          const json = await res.body.json().catch(() => ({}));
          return res.statusCode === 200 && json.errcode === 0 && json.echo?.bodyLength === UPLOAD_BYTES;
        }),
      ));
    } finally {
      clearInterval(sampler);
      await pool.close();
    }
    const ms = Math.round(performance.now() - started);
    const after = procStatus(pid);
    const peak = Math.max(peakSampled, hwmReset ? (after?.hwmMiB ?? 0) : 0);
    this.results.memory = {
      uploads: UPLOADS,
      uploadMiB: UPLOAD_BYTES / 1024 / 1024,
      ok: answers.filter(Boolean).length,
      ms,
      peakRssMiB: round1(peak),
      rssBeforeMiB: round1(before?.rssMiB),
      rssAfterMiB: round1(after?.rssMiB),
      lifetimePeakRssMiB: hwmReset ? undefined : round1(after?.hwmMiB),
      peakFrom: hwmReset ? 'VmHWM reset before the uploads, and VmRSS sampled every 20 ms' : 'VmRSS sampled every 20 ms',
    };
    log(`memory: ${this.results.memory.ok}/${UPLOADS} uploads of 30 MiB in ${ms} ms; forwarder RSS ${this.results.memory.rssBeforeMiB} → peak ${this.results.memory.peakRssMiB} MiB`);
  }
}

const ratio = (a, b) => (a && b ? Math.round((a / b) * 1000) / 1000 : null);
const diff = (a, b) => (a == null || b == null ? null : Math.round((a - b) * 1000) / 1000);
const round1 = (v) => (v == null ? null : Math.round(v * 10) / 10);

async function section(bench, name, fn) {
  const started = performance.now();
  try {
    await fn();
  } catch (err) {
    bench.results[name] = { ...(bench.results[name] ?? {}), error: err.message };
    log(`${name} FAILED: ${err.message}`);
  }
  bench.results.sectionSeconds ??= {};
  bench.results.sectionSeconds[name] = Math.round((performance.now() - started) / 100) / 10;
}

function newestProfiles(dir, since, ext = '.cpuprofile') {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).mtimeMs >= since);
}

async function main() {
  const runStarted = Date.now();
  const bench = new Bench();
  let stopping = false;
  const abort = async (why) => {
    if (stopping) return;
    stopping = true;
    log(`${why}: stopping…`);
    await bench.stopAll();
    process.exit(130);
  };
  process.once('SIGINT', () => void abort('SIGINT'));
  process.once('SIGTERM', () => void abort('SIGTERM'));

  log(`duration ${DURATION_S} s per run, ${os.availableParallelism()} cores, node ${process.version}${PROFILED.size ? `, profiling ${[...PROFILED].join(', ')}` : ''}`);
  try {
    await bench.start();
    await section(bench, 'seed', () => bench.seed());
    if (!bench.results.seed?.error) {
      if (SECTIONS.has('tokenEconomy')) await section(bench, 'tokenEconomy', () => bench.tokenEconomy());
      if (SECTIONS.has('memory')) await section(bench, 'memory', () => bench.memory());
      if (SECTIONS.has('relay')) {
        await section(bench, 'relay', () => bench.relay());
        bench.rss('after the relay loads');
      }
      if (SECTIONS.has('tokenService')) await section(bench, 'tokenService', () => bench.tokenService());
    }
  } catch (err) {
    bench.results.error = err.message;
    log(`FAILED: ${err.message}`);
  } finally {
    stopping = true;
    await bench.stopAll();
  }

  const results = {
    date: new Date(runStarted).toISOString(),
    machine: { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()}` },
    node: process.version,
    durationS: DURATION_S,
    ...(process.env.BENCH_DIST ? { dist: DIST } : {}),
    totalSeconds: Math.round((Date.now() - runStarted) / 1000),
    ...bench.results,
  };
  results.targets = evaluateTargets(results);

  if (HEAP_PROFILED.size > 0) {
    results.heapProfiles = [];
    for (const app of HEAP_PROFILED) {
      const dir = path.join(bench.profileDir, `heap-${app}`);
      for (const file of newestProfiles(dir, runStarted, '.heapprofile')) {
        const s = { ...summariseHeap(file, 20), file: path.relative(ROOT, file) };
        results.heapProfiles.push(s);
        process.stdout.write(`\n${formatHeapSummary(s)}\n`);
      }
    }
  }
  if (PROFILED.size > 0) {
    results.profiles = [];
    for (const file of newestProfiles(bench.profileDir, runStarted)) {
      const app = path.basename(file).replace(/-\d+\.cpuprofile$/, '');
      const labels = [...new Set(bench.windows.filter((w) => w.app === app).map((w) => w.label))];
      for (const label of labels.length ? labels : [undefined]) {
        const windows = label ? bench.windows.filter((w) => w.app === app && w.label === label) : undefined;
        const s = { ...summarise(file, 20, windows), file: path.relative(ROOT, file) };
        if (s.busyMs + s.idleMs === 0) continue;
        results.profiles.push(s);
        process.stdout.write(`\n${formatSummary(s)}\n`);
      }
    }
  }

  const table = renderTable(results);
  process.stdout.write(`\n${table}\n`);
  if (process.env.BENCH_DIST || process.env.BENCH_SECTIONS) {
    // A what-if build or a partial run: its figures go beside the profiles, never over the published ones.
    const file = path.join(ROOT, 'bench/profiles', `results-${process.env.BENCH_DIST ? path.basename(path.dirname(DIST)) : 'partial'}-${Date.now()}.json`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    log(`wrote ${path.relative(ROOT, file)} (${results.totalSeconds} s)`);
  } else {
    writeFileSync(path.join(ROOT, 'bench/results.json'), JSON.stringify(results, null, 2) + '\n');
    if (results.error) {
      // Nothing was measured: the last table in BENCHMARKS.md stays.
      log(`wrote bench/results.json; BENCHMARKS.md left as it was (${results.totalSeconds} s)`);
    } else {
      const mdFile = path.join(ROOT, 'BENCHMARKS.md');
      writeFileSync(mdFile, renderBenchmarksMd(results, table, existsSync(mdFile) ? readFileSync(mdFile, 'utf8') : ''));
      log(`wrote bench/results.json and BENCHMARKS.md (${results.totalSeconds} s)`);
    }
  }

  if (KEEP_TMP) log(`kept ${bench.tmp}`);
  else rmSync(bench.tmp, { recursive: true, force: true });
  if (results.error || Object.values(bench.results).some((r) => r && typeof r === 'object' && 'error' in r)) process.exitCode = 1;
}

await main();
