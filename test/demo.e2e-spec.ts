/**
 * `npm run demo` as a user meets it: `node scripts/demo.mjs` (built by `npm test`) with its own
 * data dir and ports, every printed curl line run verbatim through `sh -c`, then Ctrl-C (SIGINT)
 * and no process left behind.
 */
import { execFile, spawn } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { ROOT, tempDir, waitFor } from './support/harness.js';

const sh = promisify(execFile);
const COMPONENT = 'wxc0ffee0000000001';
const MINI_PROGRAM = 'wxa11ce00000000002';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A base port with the 10 ports the demo uses (DEMO_PORT_BASE … +9) all free. Chosen below the
 * kernel's ephemeral range (32768+ on Linux), where outgoing connections would keep taking ports
 * between this check and the demo's listen.
 */
async function portBase(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 1_200) * 10;
    const free = await Promise.all(Array.from({ length: 10 }, (_, i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Answer {
  status: number;
  body: string;
}

/** The printed lines end with `-w '\nHTTP %{http_code}\n'` (or the image summary line). */
function answer(stdout: string): Answer {
  const at = stdout.lastIndexOf('HTTP ');
  return { status: Number(stdout.slice(at + 5, at + 8)), body: stdout.slice(0, at).trim() };
}

const tokenOwner = (a: Answer) => (JSON.parse(a.body) as { echo: { tokenOwner: { kind: string; appid: string } } }).echo.tokenOwner;

describe('npm run demo', () => {
  it('prints curl lines that work exactly as printed, and Ctrl-C stops every process it started', async () => {
    const data = tempDir('wxgate-demo-');
    const base = await portBase();
    const demo = spawn(process.execPath, ['scripts/demo.mjs'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DEMO_DATA_DIR: data.path, DEMO_PORT_BASE: String(base) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    demo.stdout.on('data', (d) => (out += d.toString()));
    demo.stderr.on('data', (d) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    try {
      await waitFor(
        () => {
          if (demo.exitCode !== null) throw new Error(`demo exited with ${demo.exitCode}:\n${out}`);
          return out.includes('Ctrl-C stops everything.');
        },
        { timeoutMs: 40_000, intervalMs: 100, what: 'the demo to print its curl lines' },
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n--- demo output ---\n${out}`);
      });

      const lines = out.split('\n').filter((l) => l.startsWith('curl '));
      expect(lines).toHaveLength(8);
      const answers = await Promise.all(lines.map(async (line) => ({ line, ...answer((await sh('sh', ['-c', line], { cwd: ROOT })).stdout) })));

      const byLine = (test: (line: string) => boolean) => answers.find((a) => test(a.line))!;
      const plain = byLine((l) => l.includes('http://127.0.0.1') && l.includes('gettemplatedraftlist'));
      expect(plain.status).toBe(200);
      expect(tokenOwner(plain)).toEqual({ kind: 'component', appid: COMPONENT });

      const fromAppid = byLine((l) => l.includes('http://127.0.0.1') && l.includes('/wxa/msg_sec_check?from_appid='));
      expect(fromAppid.status).toBe(200);
      expect(JSON.parse(fromAppid.body)).toMatchObject({ errcode: 0 });
      expect(tokenOwner(fromAppid)).toMatchObject({ kind: 'authorizer', appid: MINI_PROGRAM });

      const image = byLine((l) => l.includes('/wxa/getwxacode'));
      expect(image.status).toBe(200);
      expect(image.body).toBe('');
      expect(image.line).toContain('-o /dev/null');

      const refused = byLine((l) => l.includes('/wxa/commit'));
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body)).toMatchObject({ errcode: 85107, reason: 'PATH_NOT_ALLOWED' });

      const https = byLine((l) => l.includes('--cacert') && l.includes('--resolve api.weixin.qq.com:'));
      expect(https.status).toBe(200);
      expect(tokenOwner(https)).toMatchObject({ kind: 'authorizer', appid: MINI_PROGRAM });

      const proxy = byLine((l) => l.includes(' -x http://127.0.0.1') && l.includes("'http://api.weixin.qq.com/"));
      expect(proxy.status).toBe(200);
      expect(tokenOwner(proxy)).toEqual({ kind: 'component', appid: COMPONENT });

      const pay = byLine((l) => l.includes('/v3/pay/transactions/jsapi'));
      expect(pay.status).toBe(200);
      expect(JSON.parse(pay.body).prepay_id).toMatch(/^wx/);
      expect(out).toMatch(/wx\.requestPayment\(\{"timeStamp":"\d+","nonceStr":"[0-9A-F]{32}","package":"prepay_id=wx[^"]+","signType":"RSA","paySign":"[^"]+"\}\)/);
      expect(out).toContain('the notification arrived on wxgate.events.pay.1900000109.TRANSACTION.SUCCESS');

      const connect = byLine((l) => l.includes(' -x http://127.0.0.1') && l.includes("'https://api.weixin.qq.com/"));
      expect(connect.status).toBe(200);
      expect(tokenOwner(connect)).toMatchObject({ kind: 'authorizer', appid: MINI_PROGRAM });

      // The console line: its URL and password sign in.
      const [, consoleUrl, password] = /console\s+(http:\S+)\s+password (\S+)/.exec(out) ?? [];
      expect((await fetch(`${consoleUrl}login`)).status).toBe(200);
      const signIn = await fetch(`${consoleUrl}login`, { method: 'POST', body: new URLSearchParams({ password: password! }), redirect: 'manual' });
      expect(signIn.status).toBe(303);
      expect(signIn.headers.get('set-cookie')).toMatch(/HttpOnly/);

      // Ctrl-C: the demo stops everything it started and exits 0.
      const pidLine = out.split('\n').find((l) => l.startsWith('pids: ')) ?? '';
      const pids = [...pidLine.matchAll(/([\w-]+)=(\d+)/g)].map((m) => ({ name: m[1]!, pid: Number(m[2]) }));
      expect(pids.map((p) => p.name)).toEqual(['nats-server', 'wechat-sandbox', 'token-refresher', 'policy', 'forwarder', 'console']);
      demo.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
      const leftovers = pids.filter((p) => alive(p.pid));
      for (const { pid } of leftovers) process.kill(pid, 'SIGKILL');
      expect(code).toBe(0);
      expect(leftovers).toEqual([]);
      expect(out).toContain('demo stopped');
    } finally {
      if (demo.exitCode === null && demo.signalCode === null) {
        demo.kill('SIGINT');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
        if (demo.exitCode === null) demo.kill('SIGKILL');
      }
      // Whatever happened above, nothing the demo started outlives the test.
      for (const m of (out.split('\n').find((l) => l.startsWith('pids: ')) ?? '').matchAll(/=(\d+)/g)) {
        if (alive(Number(m[1]))) process.kill(Number(m[1]), 'SIGKILL');
      }
      data.remove();
    }
  }, 60_000);

  it('stops every process it started, ports freed, when the shell that ran it (as npm does) is killed', async () => {
    const data = tempDir('wxgate-demo-');
    const base = await portBase();
    // `; exit` keeps sh from exec-ing node: the demo's parent is the shell, as under `npm run demo`.
    const shell = spawn('sh', ['-c', 'node scripts/demo.mjs; exit $?'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DEMO_DATA_DIR: data.path, DEMO_PORT_BASE: String(base) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    shell.stdout.on('data', (d) => (out += d.toString()));
    shell.stderr.on('data', (d) => (out += d.toString()));
    let pids: number[] = [];
    try {
      await waitFor(() => out.includes('Ctrl-C stops everything.'), { timeoutMs: 40_000, intervalMs: 100, what: 'the demo to be ready' }).catch((err: Error) => {
        throw new Error(`${err.message}\n--- demo output ---\n${out}`);
      });
      pids = [...(out.split('\n').find((l) => l.startsWith('pids: ')) ?? '').matchAll(/=(\d+)/g)].map((m) => Number(m[1]));
      expect(pids).toHaveLength(6); // nats-server, sandbox, the three services, the console
      shell.kill('SIGKILL');
      await waitFor(() => pids.every((pid) => !alive(pid)), { timeoutMs: 15_000, what: 'every process the demo started to exit' });
      const free = await Promise.all(Array.from({ length: 10 }, (_, i) => portFree(base + i)));
      expect(free).toEqual(Array(10).fill(true));
    } finally {
      if (shell.exitCode === null && shell.signalCode === null) shell.kill('SIGKILL');
      for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
      data.remove();
    }
  }, 60_000);
});
