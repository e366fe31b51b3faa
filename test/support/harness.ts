/**
 * The e2e harness: private NATS servers, built apps as real processes, temp working directories
 * (so each app's ./data is its own), and polls with deadlines instead of sleeps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  freePort,
  startNatsCluster as startNatsClusterProcesses,
  startNatsServer as startNatsProcess,
  type NatsClusterHandle,
  type NatsClusterNode,
  type NatsServerHandle,
} from '../../scripts/nats-server.mjs';

export { freePort, type NatsClusterHandle, type NatsClusterNode, type NatsServerHandle };

/**
 * Everything this test file started. `test/support/cleanup.ts` stops what is left after the file,
 * so a test whose setup failed half-way cannot leave a process that keeps jest (and CI) waiting.
 */
const running = new Set<{ kill(): Promise<unknown> }>();

export async function stopEverythingStarted(): Promise<void> {
  const left = [...running];
  running.clear();
  await Promise.all(left.map((r) => r.kill().catch(() => undefined)));
}

/** Stops `handle` after the file at the latest (unless the test stops it first). */
function stoppedAfterFile<H extends { stop(): Promise<void> }>(handle: H): H {
  const entry = { kill: () => handle.stop() };
  running.add(entry);
  const stop = handle.stop.bind(handle);
  return {
    ...handle,
    async stop() {
      running.delete(entry);
      await stop();
    },
  };
}

/** A private `nats-server -js` on a free port, stopped after the file at the latest. */
export async function startNatsServer(options?: { port?: number; storeDir?: string }): Promise<NatsServerHandle> {
  return stoppedAfterFile(await startNatsProcess(options));
}

/** A private 3-node nats-server cluster with JetStream on loopback, stopped after the file at the latest. */
export async function startNatsCluster(options?: { size?: number }): Promise<NatsClusterHandle> {
  return stoppedAfterFile(await startNatsClusterProcesses(options));
}

export const ROOT = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../..');

export function tempDir(prefix = 'wxgate-test-'): { path: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function natsClient(url: string): Promise<NatsConnection> {
  return connect({ servers: url, name: 'wxgate-test' });
}

/** Polls `probe` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(probe: () => T | Promise<T>, { timeoutMs = 10_000, intervalMs = 50, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export type AppName = 'token-refresher' | 'policy' | 'forwarder' | 'wechat-sandbox' | 'console';

export interface AppProcess {
  app: AppName;
  child: ChildProcess;
  adminPort: number;
  cwd: string;
  output(): string;
  waitReady(timeoutMs?: number): Promise<void>;
  /** Sends `signal` and resolves with the exit code (null if killed by a signal). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; ms: number }>;
  exited: Promise<number | null>;
}

/** Runs `node dist/apps/<app>/main.js` (build first: `npm test` does) with `env` in `cwd`. */
export async function startApp(app: AppName, env: Record<string, string>, options: { cwd?: string; adminPort?: number } = {}): Promise<AppProcess> {
  const adminPort = options.adminPort ?? (await freePort());
  const cwd = options.cwd ?? tempDir(`wxgate-${app}-`).path;
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/apps', app, 'main.js')], {
    cwd,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'info', ADMIN_PORT: String(adminPort), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d.toString()));
  child.stderr!.on('data', (d) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const entry = {
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  running.add(entry);
  void exited.then(() => running.delete(entry));
  const handle: AppProcess = {
    app,
    child,
    adminPort,
    cwd,
    exited,
    output: () => out,
    async waitReady(timeoutMs = 20_000) {
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode}:\n${out.slice(-2000)}`);
          const res = await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined);
          return res?.status === 200;
        },
        { timeoutMs, intervalMs: 100, what: `${app} /readyz` },
      ).catch((err) => {
        throw new Error(`${(err as Error).message}\n--- ${app} output ---\n${out.slice(-3000)}`);
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 12_000) {
      const started = Date.now();
      if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, ms: 0 };
      child.kill(signal);
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref())]);
      if (code === 'timeout') {
        child.kill('SIGKILL');
        throw new Error(`${app} did not exit within ${timeoutMs} ms of ${signal}`);
      }
      return { code, ms: Date.now() - started };
    },
  };
  return handle;
}

/** Runs `node dist/apps/<app>/main.js` expecting it to exit; resolves with code, time and output. */
export async function runToExit(app: AppName, env: Record<string, string>, timeoutMs = 10_000): Promise<{ code: number | null; ms: number; output: string }> {
  const started = Date.now();
  const proc = await startApp(app, env);
  const code = await Promise.race([proc.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref())]);
  if (code === 'timeout') {
    await proc.stop('SIGKILL').catch(() => undefined);
    throw new Error(`${app} still running after ${timeoutMs} ms:\n${proc.output()}`);
  }
  return { code, ms: Date.now() - started, output: proc.output() };
}

export async function rawRequest(nc: NatsConnection, subject: string, payload: string | object = '', timeoutMs = 5_000): Promise<unknown> {
  const data = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const reply = await nc.request(subject, data, { timeout: timeoutMs });
  return reply.json();
}

/**
 * A fresh PostgreSQL schema on `TEST_DATABASE_URL` (set by `.ci/run` when a local PostgreSQL
 * answers), as a `DATABASE_URL` for the apps; `undefined` when PostgreSQL tests are off.
 */
export async function testPostgres(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) return undefined;
  const schema = `t_${Math.random().toString(36).slice(2, 10)}`;
  const { default: pg } = await import('pg');
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}
