// Child processes of the bench: the built apps, the sandbox, the minimal proxy and the NATS echo,
// each with its own working directory (so SQLite, the master key and the CA land in a temp
// ./data) and its output in a log file (as in production, not a pipe the bench must drain).
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until truthy; throws with the last error (and the process's log) at the deadline. */
export async function waitFor(what, probe, { timeoutMs = 30_000, intervalMs = 100, proc } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    if (proc && proc.child.exitCode !== null) throw new Error(`${proc.name} exited (${proc.child.exitCode}) while waiting for ${what}:\n${proc.tail()}`);
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}${proc ? `\n${proc.tail()}` : ''}`);
    await sleep(intervalMs);
  }
}

/**
 * Starts `node [nodeArgs] <script>` in `cwd` with exactly `env` (plus PATH). Returns a handle with
 * `pid`, `stop()` (SIGTERM, then SIGKILL after 12 s) and `tail()` (the end of its log).
 */
export function startProcess(name, script, env, { cwd, logDir, nodeArgs = [] }) {
  const logFile = path.join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, script], { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return {
    name,
    child,
    pid: child.pid,
    cwd,
    exited,
    tail(chars = 3000) {
      try {
        return `--- ${name} (${logFile}) ---\n${readFileSync(logFile, 'utf8').slice(-chars)}`;
      } catch {
        return `--- ${name}: no log ---`;
      }
    },
    async stop(timeoutMs = 12_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(timeoutMs).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

export async function readyz(adminPort) {
  const res = await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined);
  return res?.status === 200;
}

/** Memory of a process from /proc (kB → MiB); undefined where /proc is missing. */
export function procStatus(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) => {
      const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
      return m ? Number(m[1]) / 1024 : undefined;
    };
    return { rssMiB: field('VmRSS'), hwmMiB: field('VmHWM') };
  } catch {
    return undefined;
  }
}

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined elsewhere. */
export function procCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux, whatever the kernel's HZ). */
const CLK_TCK = 100;
