// Runs wxgate's processes for `npm run demo` and `npm start`: nats-server and the built apps, each
// in its own process group (so a terminal's Ctrl-C reaches only the script, which then stops them
// in order: relay first, NATS last), logs to files or the terminal, readiness by /readyz.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ensureNatsServer, waitForPort } from './nats-server.mjs';
import { nodeArgsOf } from './node-flags.mjs';

export const ROOT = path.resolve(import.meta.dirname, '..');

export function portFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Signals that mean "stop": Ctrl-C, `kill`, and the terminal going away. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Calls `stop(why)` once on any of STOP_SIGNALS, and when this script's parent goes away: `npm
 * start` runs it under `sh -c`, and a shell killed by a signal does not pass it on, which left
 * every process running with its ports bound. Output to a closed terminal is dropped, not thrown.
 */
export function stopWhenAsked(stop) {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  for (const signal of STOP_SIGNALS) process.once(signal, () => void stop(signal));
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    void stop('the parent process exited');
  }, 250);
  watch.unref();
}

export class Supervisor {
  #children = [];
  #stopping;

  /** `logDir`: one `<name>.log` per process; unset: output goes to this terminal. */
  constructor({ logDir } = {}) {
    this.logDir = logDir;
    if (logDir) mkdirSync(logDir, { recursive: true });
    // Last resort (an exception in the script): never leave a child behind.
    process.once('exit', () => {
      for (const c of this.#children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    });
  }

  get pids() {
    return Object.fromEntries(this.#children.map((c) => [c.name, c.child.pid]));
  }

  logFile(name) {
    return this.logDir ? path.join(this.logDir, `${name}.log`) : undefined;
  }

  /** Last lines of a process's log, to explain a failed start. */
  tail(name, lines = 15) {
    const file = this.logFile(name);
    if (!file || !existsSync(file)) return '';
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** `tier`: stopping goes from the highest tier down, the processes of one tier together. */
  spawn(name, command, args, env, tier = 1) {
    // A stop that began while starting must not be outrun by a process started after it.
    if (this.#stopping) throw new Error(`not starting ${name}: stopping`);
    const file = this.logFile(name);
    const fd = file ? openSync(file, 'a') : undefined;
    const child = spawn(command, args, {
      cwd: ROOT,
      env,
      detached: true,
      stdio: fd === undefined ? ['ignore', 'inherit', 'inherit'] : ['ignore', fd, fd],
    });
    if (fd !== undefined) closeSync(fd);
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    const entry = { name, child, exited, tier };
    this.#children.push(entry);
    return entry;
  }

  /** `nats-server -js` on 127.0.0.1:`port` with its store in `storeDir`. */
  async startNats(port, storeDir) {
    const binary = ensureNatsServer();
    mkdirSync(storeDir, { recursive: true });
    const entry = this.spawn('nats-server', binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], process.env, 0);
    await Promise.race([
      waitForPort(port, '127.0.0.1', 10_000),
      entry.exited.then((code) => {
        throw new Error(`nats-server exited (${code}) ${this.tail('nats-server', 3)}`);
      }),
    ]);
    return `nats://127.0.0.1:${port}`;
  }

  startApp(app, env, tier = 1) {
    return this.spawn(app, process.execPath, [...nodeArgsOf(app), path.join(ROOT, 'dist/apps', app, 'main.js')], env, tier);
  }

  /** Polls `http://127.0.0.1:<adminPort>/readyz` until 200; fails early if the process exits. */
  async waitReady(entry, adminPort, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (entry.child.exitCode !== null) {
        throw new Error(`${entry.name} exited with ${entry.child.exitCode}${this.logDir ? `:\n${this.tail(entry.name)}` : ''}`);
      }
      const res = await fetch(`http://127.0.0.1:${adminPort}/readyz`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
      if (res?.status === 200) return;
      if (Date.now() > deadline) throw new Error(`${entry.name} not ready after ${timeoutMs} ms${this.logDir ? `:\n${this.tail(entry.name)}` : ''}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM tier by tier (highest first), each process given `graceMs` before SIGKILL. Idempotent. */
  stopAll(graceMs = 10_000) {
    this.#stopping ??= (async () => {
      const tiers = [...new Set(this.#children.map((c) => c.tier))].sort((a, b) => b - a);
      for (const tier of tiers) {
        await Promise.all(this.#children.filter((c) => c.tier === tier).map((c) => this.#stop(c, graceMs)));
      }
    })();
    return this.#stopping;
  }

  async #stop({ child, exited }, graceMs) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    let timer;
    const timeout = new Promise((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
    const result = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  }

  /** A child that has exited (while everything should be running), as `{name, code}`. */
  exited() {
    const dead = this.#children.find((c) => c.child.exitCode !== null || c.child.signalCode !== null);
    return dead && { name: dead.name, code: dead.child.exitCode ?? dead.child.signalCode };
  }

  /** Resolves with the first child that exits on its own (a crash while running). */
  firstExit() {
    return Promise.race(this.#children.map((c) => c.exited.then((code) => ({ name: c.name, code }))));
  }
}
