// Finds or provisions `nats-server` (docs/operations.md) and starts private servers. Shared by the tests,
// `npm start`, `npm run demo` and `npm run bench`, so every entry point provisions it the same way.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const CANDIDATES = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

function onPath(name, candidates = []) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, name);
    if (dir && existsSync(file)) return file;
  }
  return candidates.find((f) => existsSync(f));
}

function isDebian() {
  try {
    return /debian|ubuntu/i.test(readFileSync('/etc/os-release', 'utf8'));
  } catch {
    return false;
  }
}

/**
 * The path of a program, installing its Debian package when it is missing and we are root on
 * Debian/Ubuntu (CI and fresh machines); otherwise an error saying how to install it.
 */
export function ensureDebianProgram({ binary, debianPackage = binary, candidates = [], hint }) {
  const found = onPath(binary, candidates);
  if (found) return found;
  if (isDebian() && process.getuid?.() === 0) {
    process.stderr.write(`${binary} not found: installing Debian package ${debianPackage}\n`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    execFileSync('apt-get', ['install', '-y', '-qq', debianPackage], { stdio: 'ignore', env });
    const installed = onPath(binary, candidates);
    if (installed) return installed;
  }
  throw new Error(`${binary} not found: ${hint}`);
}

/** The path of `nats-server`, installing Debian's package when missing and allowed. */
export function ensureNatsServer() {
  return ensureDebianProgram({
    binary: 'nats-server',
    candidates: CANDIDATES,
    hint: 'install it (Debian/Ubuntu: apt-get install nats-server; macOS: brew install nats-server; or https://github.com/nats-io/nats-server/releases) and put it on PATH',
  });
}

/**
 * A port nothing listens on, for a server the caller starts next. Picked at random below Linux's
 * ephemeral range (32768+), where the kernel's own choice for outgoing connections could take it
 * between this check and the server's listen, and checked on every address (`::`, or `0.0.0.0`
 * without IPv6) because the services listen on all of them. Never the same port twice per process.
 */
const handedOut = new Set();
export async function freePort() {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if ((await canListen(port, '::')) ?? (await canListen(port, '0.0.0.0'))) return port;
  }
  throw new Error('no free port found between 20000 and 32000');
}

/** true/false for free/taken; undefined when the address family is not available here. */
function canListen(port, host) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err) => resolve(err.code === 'EAFNOSUPPORT' || err.code === 'EADDRNOTAVAIL' ? undefined : false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export function waitForPort(port, host = '127.0.0.1', timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** Is a NATS server answering at `url` (nats://host:port)? */
export function natsReachable(url, timeoutMs = 500) {
  const { hostname, port } = new URL(url.split(',')[0]);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port || 4222), hostname);
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('data', (chunk) => done(chunk.toString().startsWith('INFO')));
    socket.once('error', () => done(false));
  });
}

/**
 * Starts a private `nats-server -js` on a free loopback port with its own store directory.
 * Returns `{url, port, pid, storeDir, stop()}`.
 */
export async function startNatsServer({ port, storeDir } = {}) {
  const binary = ensureNatsServer();
  const natsPort = port ?? (await freePort());
  const dir = storeDir ?? mkdtempSync(path.join(os.tmpdir(), 'wxgate-nats-'));
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: false,
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d.toString();
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await Promise.race([
      waitForPort(natsPort),
      exited.then((code) => {
        throw new Error(`nats-server exited (${code}): ${stderr.trim().split('\n').pop()}`);
      }),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url: `nats://127.0.0.1:${natsPort}`,
    port: natsPort,
    pid: child.pid,
    storeDir: dir,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      if (!storeDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a private nats-server cluster with JetStream on loopback: `size` nodes, client and route
 * ports free, each node its own store directory and config file (the recipe of docs/scale-out.md).
 * Returns `{urls, url, nodes: [{name, url, port, pid, storeDir, kill(signal), start()}], stop()}`;
 * `url` lists every node, as `NATS_URL` would in production.
 */
export async function startNatsCluster({ size = 3, name = 'wxgate' } = {}) {
  const binary = ensureNatsServer();
  const root = mkdtempSync(path.join(os.tmpdir(), 'wxgate-nats-cluster-'));
  const specs = [];
  for (let i = 0; i < size; i++) specs.push({ name: `n${i + 1}`, port: await freePort(), routePort: await freePort() });
  const routes = specs.map((n) => `nats-route://127.0.0.1:${n.routePort}`);
  const nodes = specs.map((spec) => {
    const storeDir = path.join(root, spec.name);
    const configFile = path.join(root, `${spec.name}.conf`);
    writeFileSync(
      configFile,
      [
        `server_name: ${spec.name}`,
        `listen: 127.0.0.1:${spec.port}`,
        `jetstream { store_dir: "${storeDir}" }`,
        `cluster {`,
        `  name: ${name}`,
        `  listen: 127.0.0.1:${spec.routePort}`,
        `  routes: [${routes.filter((r) => !r.endsWith(`:${spec.routePort}`)).join(', ')}]`,
        `}`,
        '',
      ].join('\n'),
    );
    let child;
    let exited;
    let stderr = '';
    const node = {
      name: spec.name,
      url: `nats://127.0.0.1:${spec.port}`,
      port: spec.port,
      storeDir,
      configFile,
      get pid() {
        return child?.pid;
      },
      get running() {
        return child !== undefined && child.exitCode === null && child.signalCode === null;
      },
      /** Starts (or restarts, keeping its store) this node; resolves when its client port answers. */
      async start() {
        child = spawn(binary, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
        stderr = '';
        child.stderr.on('data', (d) => (stderr += d.toString()));
        exited = new Promise((resolve) => child.once('exit', resolve));
        const failed = exited.then((code) => {
          throw new Error(`nats-server ${spec.name} exited (${code}): ${stderr.trim().split('\n').pop()}`);
        });
        try {
          await Promise.race([waitForPort(spec.port), failed]);
        } catch (err) {
          child.kill('SIGKILL');
          throw err;
        }
        failed.catch(() => undefined);
      },
      /** SIGKILL by default: the node dies as a crashed machine would. */
      async kill(signal = 'SIGKILL') {
        if (!node.running) return;
        child.kill(signal);
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
        if (node.running) {
          child.kill('SIGKILL');
          await exited;
        }
      },
    };
    return node;
  });
  try {
    await Promise.all(nodes.map((n) => n.start()));
  } catch (err) {
    await Promise.all(nodes.map((n) => n.kill()));
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  const urls = nodes.map((n) => n.url);
  return {
    urls,
    url: urls.join(','),
    nodes,
    async stop() {
      await Promise.all(nodes.map((n) => n.kill('SIGTERM')));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    console.log(ensureNatsServer());
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
