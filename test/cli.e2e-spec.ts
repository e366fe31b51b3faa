/**
 * The `wxgate` admin CLI as an operator runs it (`node bin/wxgate.js …`, a real process) against
 * the built token-refresher and policy on a private NATS, with the sandbox as WeChat: every
 * command, tables and --json, exit codes 1 / 2 / 64, and no secret in any output without --reveal.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureNatsServer, waitForPort } from '../scripts/nats-server.mjs';
import { createSandbox, type Sandbox } from '../apps/wechat-sandbox/src/sandbox.js';
import { freePort, ROOT, startApp, startNatsServer, tempDir, waitFor, type AppProcess, type NatsServerHandle } from './support/harness.js';

const COMPONENT = { appid: 'wxc11c0000000000a1', secret: 'cli-component-secret-5f2a', token: 'cliVerifyToken77', aesKey: 'CliAesKey0123456789abcdefghijklmnopqrstuvwx' };
const COMPONENT_RESTAMP_KEY = 'CliAesKeyRotatedabcdefghijklmnopqrstuvwxyz0';
const AUTHORIZER = 'wxc11a0000000000b2';
const IMPORTED = { appid: 'wxc11a0000000000b3', refreshToken: 'refreshtoken@@@cli-import-0001' };
const SYNCED = { appid: 'wxc11a0000000000b4', refreshToken: 'refreshtoken@@@cli-sync-0002' };
const APP = { appid: 'wxc11d0000000000c5', secret: 'cli-app-secret-9e1b' };
const ENV = 'cli-env';
const APP_ENV = 'cli-app-env';

let nats: NatsServerHandle;
let sandbox: Sandbox;
let refresher: AppProcess;
let policy: AppProcess;
let callbackPort: number;

/** Every output of a run without --reveal: scanned for secrets at the end. */
const transcript: string[] = [];
/** Token values that --reveal printed: they must appear nowhere else. */
const revealed = new Set<string>();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function wxgate(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/wxgate.js'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, NATS_URL: nats.url, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d.toString()));
  child.stderr.on('data', (d) => (stderr += d.toString()));
  child.stdin.end(opts.stdin ?? '');
  return new Promise((resolve) => {
    child.once('close', (code) => {
      if (!args.includes('--reveal')) transcript.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
}

const json = <T = unknown>(run: Run): T => {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(run.stdout) as T;
};

function expectOk(run: Run, text: RegExp | string): void {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  expect(run.stdout).toMatch(text);
}

/** A refused command: exit 1 and `error: <REASON>: <message>` as one line on stderr. */
function expectRefused(run: Run, reason: string): void {
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(new RegExp(`^error: ${reason}: .+\\n$`));
}

beforeAll(async () => {
  nats = await startNatsServer();
  callbackPort = await freePort();
  sandbox = await createSandbox({
    knobs: { ticketIntervalS: 3600 },
    seed: {
      authorizations: [
        { componentAppid: COMPONENT.appid, authorizerAppid: IMPORTED.appid, funcScopes: [18], refreshToken: IMPORTED.refreshToken },
        { componentAppid: COMPONENT.appid, authorizerAppid: SYNCED.appid, funcScopes: [18], refreshToken: SYNCED.refreshToken },
      ],
      apps: [{ appid: APP.appid, secret: APP.secret }],
    },
  });
  [refresher, policy] = await Promise.all([
    startApp('token-refresher', { NATS_URL: nats.url, WECHAT_API_BASE: sandbox.url, WECHAT_API_BACKUP: '', CALLBACK_PORT: String(callbackPort) }),
    startApp('policy', { NATS_URL: nats.url }),
  ]);
  await Promise.all([refresher.waitReady(), policy.waitReady()]);
}, 45_000);

afterAll(async () => {
  await Promise.all([refresher?.stop(), policy?.stop()]);
  await sandbox?.close();
  await nats?.stop();
});

describe('wxgate CLI', () => {
  it('exits 2 with one line on stderr when NATS is unreachable', async () => {
    const port = await freePort();
    const run = await wxgate(['--nats', `nats://127.0.0.1:${port}`, 'status']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^cannot connect to NATS at nats://127\\.0\\.0\\.1:${port}: .+\\n$`));
    const viaEnv = await wxgate(['env', 'ls'], { env: { NATS_URL: `nats://127.0.0.1:${port}` } });
    expect(viaEnv.code).toBe(2);
  });

  it('exits 64 on bad usage (unknown command, bad kind, bad flag value)', async () => {
    const runs = await Promise.all([wxgate(['frobnicate']), wxgate(['token', 'get', 'bogus', APP.appid]), wxgate(['--timeout', 'soon', 'env', 'ls']), wxgate(['component'])]);
    expect(runs.map((r) => r.code)).toEqual([64, 64, 64, 64]);
    expect(runs[0]!.stderr).toContain("unknown command 'frobnicate'");
    const help = await wxgate(['--help']);
    expectOk(help, /Exit codes: 0 done, 1 refused/);
  });

  it('stores a component from secrets piped on stdin, and rotates its key by adding it again', async () => {
    const add = await wxgate(['component', 'add', COMPONENT.appid], { stdin: `${COMPONENT.secret}\n${COMPONENT.token}\n${COMPONENT.aesKey}\n` });
    expectOk(add, `ok: component ${COMPONENT.appid} saved`);
    // Missing secrets on an empty stdin: usage error naming the flag, nothing stored.
    const missing = await wxgate(['component', 'add', COMPONENT.appid, '--secret', COMPONENT.secret]);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toMatch(/^missing --token: /);
    // Rotation: the new key as a flag, the rest from stdin in flag order.
    const rotate = await wxgate(['--json', 'component', 'add', COMPONENT.appid, '--aes-key', COMPONENT_RESTAMP_KEY], { stdin: `${COMPONENT.secret}\n${COMPONENT.token}\n` });
    expect(json(rotate)).toEqual({ ok: true });
    // A malformed key is refused by the token-refresher with its reason.
    expectRefused(await wxgate(['component', 'add', COMPONENT.appid, '--aes-key', 'short'], { stdin: `${COMPONENT.secret}\n${COMPONENT.token}\n` }), 'BAD_REQUEST');
  });

  it('lists components with status, token expiry, time left and the age of the newest ticket', async () => {
    sandbox.state.registerComponent({
      appid: COMPONENT.appid,
      secret: COMPONENT.secret,
      token: COMPONENT.token,
      encodingAesKey: COMPONENT_RESTAMP_KEY,
      callbackUrl: `http://127.0.0.1:${callbackPort}/wechat/callback`,
    });
    const items = await waitFor(
      async () => {
        const list = json<{ appid: string; status: string; ticketAt?: number }[]>(await wxgate(['--json', 'component', 'list']));
        return list.find((c) => c.appid === COMPONENT.appid && c.ticketAt) ? list : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 300, what: 'the first ticket to reach the token-refresher' },
    );
    expect(items).toEqual([expect.objectContaining({ kind: 'component', appid: COMPONENT.appid, ticketAt: expect.any(Number) })]);
    // The token is fetched on first use; afterwards the table shows its expiry.
    await wxgate(['token', 'get', 'component', COMPONENT.appid]);
    const table = await wxgate(['component', 'ls']);
    expectOk(table, COMPONENT.appid);
    expect(table.stdout).toMatch(/newest ticket/);
    expect(table.stdout).toMatch(/\d+s ago/);
    expect(table.stdout).toMatch(/│ ok\s+│/);
    expect(table.stdout).toMatch(/│ 1h 5\dm\s+│/);
  });

  it('shows a token with its expiry and time left, printing the token itself only with --reveal', async () => {
    const hidden = await wxgate(['token', 'get', 'component', COMPONENT.appid]);
    expectOk(hidden, /time left\s+│ 1h 5\dm/);
    expect(hidden.stdout).toContain('(hidden: add --reveal to print it)');
    const hiddenJson = json<Record<string, unknown>>(await wxgate(['--json', 'token', 'get', 'component', COMPONENT.appid]));
    expect(hiddenJson).toEqual({ kind: 'component', appid: COMPONENT.appid, expiresAt: expect.any(Number), expiresInS: expect.any(Number) });
    expect(hiddenJson).not.toHaveProperty('token');

    const shown = json<{ token: string; expiresAt: number }>(await wxgate(['--json', 'token', 'get', 'component', COMPONENT.appid, '--reveal']));
    const current = sandbox.state.tokens.current({ channel: 'component', appid: COMPONENT.appid });
    expect(shown.token).toBe(current!.token);
    revealed.add(shown.token);
    const shownTable = await wxgate(['token', 'get', 'component', COMPONENT.appid, '--reveal']);
    expect(shownTable.stdout).toContain(shown.token);
  });

  it('invalidates a token and says whether a new one was issued', async () => {
    const before = sandbox.state.tokens.current({ channel: 'component', appid: COMPONENT.appid })!.token;
    const run = await wxgate(['--json', 'token', 'invalidate', 'component', COMPONENT.appid, '--reveal']);
    const reply = json<{ refreshed: string; token: string }>(run);
    expect(reply.refreshed).toMatch(/^(yes|no)/);
    expect(reply.refreshed.startsWith('yes')).toBe(reply.token !== before);
    revealed.add(reply.token);
    const table = await wxgate(['token', 'invalidate', 'component', COMPONENT.appid]);
    expectOk(table, /refreshed\s+│ (yes|no)/);
    expectRefused(await wxgate(['token', 'get', 'app', 'wxc11d00000000dead']), 'CREDENTIAL_NOT_FOUND');
  });

  it('stores, lists and removes an app, whose token comes from stable_token', async () => {
    expectOk(await wxgate(['app', 'add', APP.appid], { stdin: `${APP.secret}\n` }), `ok: app ${APP.appid} saved`);
    const token = json<{ kind: string; appid: string }>(await wxgate(['--json', 'token', 'get', 'app', APP.appid]));
    expect(token).toMatchObject({ kind: 'app', appid: APP.appid });
    const list = json<{ kind: string; appid: string; status: string }[]>(await wxgate(['--json', 'app', 'list']));
    expect(list).toEqual([expect.objectContaining({ kind: 'app', appid: APP.appid })]);
    expectOk(await wxgate(['app', 'ls']), APP.appid);
  });

  it('imports an authorizer by refresh token, follows authorizations and syncs them from WeChat', async () => {
    await sandbox.state.simulator.authorize({ componentAppid: COMPONENT.appid, authorizerAppid: AUTHORIZER, funcScopes: [17, 18] });
    expectOk(await wxgate(['authorizer', 'import', COMPONENT.appid, IMPORTED.appid], { stdin: `${IMPORTED.refreshToken}\n` }), `ok: authorizer ${IMPORTED.appid} of ${COMPONENT.appid} imported`);
    const synced = json<{ imported: number }>(await wxgate(['--json', 'authorizer', 'sync', COMPONENT.appid]));
    expect(synced.imported).toBeGreaterThanOrEqual(1);
    expectOk(await wxgate(['authorizer', 'sync', COMPONENT.appid]), /^ok: \d+ authorizer\(s\) of wxc11c0000000000a1 imported/);

    const list = await waitFor(
      async () => {
        const items = json<{ appid: string; componentAppid?: string }[]>(await wxgate(['--json', 'authorizer', 'list', COMPONENT.appid]));
        return [AUTHORIZER, IMPORTED.appid, SYNCED.appid].every((a) => items.some((i) => i.appid === a)) ? items : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 300, what: 'all three authorizers listed' },
    );
    expect(list.every((i) => i.componentAppid === COMPONENT.appid)).toBe(true);
    const token = json<{ kind: string }>(await wxgate(['--json', 'token', 'get', 'authorizer', IMPORTED.appid]));
    expect(token.kind).toBe('authorizer');
    const table = await wxgate(['authorizer', 'ls']);
    expectOk(table, SYNCED.appid);
    expect(table.stdout).toContain('component');
  });

  it('creates environments, allowlists and shares, and explains policy decisions', async () => {
    const [addComponentEnv, addAppEnv] = await Promise.all([wxgate(['env', 'add', ENV, COMPONENT.appid]), wxgate(['env', 'add', APP_ENV, APP.appid, '--kind', 'app'])]);
    expectOk(addComponentEnv, `ok: environment ${ENV} owned by component ${COMPONENT.appid}`);
    expectOk(addAppEnv, `owned by app ${APP.appid}`);
    const [allowAdd, shareAdd, shareAdd2] = await Promise.all([
      wxgate(['allow', 'add', ENV, '/wxa/getwxacode', '/wxa/msg_sec_check', '/wxa/commit']),
      wxgate(['share', 'add', ENV, AUTHORIZER]),
      wxgate(['share', 'add', ENV, IMPORTED.appid]),
    ]);
    expectOk(allowAdd, `ok: 3 path(s) allowed in ${ENV}`);
    expectOk(shareAdd, `ok: ${ENV} shared with ${AUTHORIZER}`);
    expectOk(shareAdd2, 'ok');
    const [allowRm, shareRm] = await Promise.all([wxgate(['allow', 'rm', ENV, '/wxa/commit', '/not/there']), wxgate(['share', 'rm', ENV, IMPORTED.appid])]);
    expectOk(allowRm, `ok: 2 path(s) removed from ${ENV}`);
    expectOk(shareRm, `no longer shared with ${IMPORTED.appid}`);

    const [allowJson, allowLs, shareJson, shareLs, show, showJson, lsJson, ls] = await Promise.all([
      wxgate(['--json', 'allow', 'ls', ENV]),
      wxgate(['allow', 'ls', ENV]),
      wxgate(['--json', 'share', 'ls', ENV]),
      wxgate(['share', 'ls', ENV]),
      wxgate(['env', 'show', ENV]),
      wxgate(['--json', 'env', 'show', ENV]),
      wxgate(['--json', 'env', 'ls']),
      wxgate(['env', 'ls']),
    ]);
    expect(json(allowJson)).toEqual({ paths: expect.arrayContaining(['/wxa/getwxacode', '/wxa/msg_sec_check']) });
    expectOk(allowLs, /\/wxa\/getwxacode\n/);
    expect(allowLs.stdout).not.toContain('/wxa/commit');
    expect(json(shareJson)).toEqual({ appids: [AUTHORIZER] });
    expectOk(shareLs, `${AUTHORIZER}\n`);
    expectOk(show, `component ${COMPONENT.appid}`);
    expect(show.stdout).toContain('/wxa/msg_sec_check');
    expect(show.stdout).toContain(AUTHORIZER);
    expect(json(showJson)).toMatchObject({ envId: ENV, ownerAppid: COMPONENT.appid, ownerKind: 'component', appids: [AUTHORIZER] });
    expect(json<{ envs: { envId: string }[] }>(lsJson).envs.map((e) => e.envId).sort()).toEqual([APP_ENV, ENV].sort());
    expectOk(ls, /owner kind/);

    const allowed = await waitFor(
      async () => {
        const run = await wxgate(['check', ENV, '/wxa/msg_sec_check', '--from-appid', AUTHORIZER]);
        return run.code === 0 ? run : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 300, what: 'the policy to learn the authorization' },
    );
    expect(allowed.stdout).toBe(`allowed: authorizer ${AUTHORIZER}'s token as access_token\n`);
    const [denied, deniedJson] = await Promise.all([wxgate(['check', ENV, '/wxa/commit']), wxgate(['--json', 'check', ENV, '/wxa/commit'])]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^refused: PATH_NOT_ALLOWED \(errcode 85107\): /);
    expect(JSON.parse(deniedJson.stdout)).toMatchObject({ allowed: false, reason: 'PATH_NOT_ALLOWED', errcode: 85107 });
  });

  it('refuses commands with the reason and exit code 1, the reply as JSON with --json', async () => {
    const [noEnv, badPath, noComponent, asJson, unknownOwner] = await Promise.all([
      wxgate(['allow', 'ls', 'no-such-env']),
      wxgate(['allow', 'add', ENV, '/cgi-bin/token']),
      wxgate(['component', 'rm', 'wxc11c00000000dead']),
      wxgate(['--json', 'share', 'ls', 'no-such-env']),
      wxgate(['env', 'add', 'x-env', 'wxc11e0000000000ff']),
    ]);
    expectRefused(noEnv, 'ENV_NOT_FOUND');
    expectRefused(badPath, 'BAD_REQUEST');
    expectRefused(noComponent, 'CREDENTIAL_NOT_FOUND');
    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.stdout)).toEqual({ error: { reason: 'ENV_NOT_FOUND', message: expect.any(String), errcode: 48001 } });
    // Owner kind cannot be guessed for an unknown appid: usage error, nothing sent.
    expect(unknownOwner.code).toBe(64);
  });

  it('shows status: services answering, credentials, newest tickets, event stream and consumer lag', async () => {
    // --nats wins over NATS_URL.
    const [run, statusJson] = await Promise.all([wxgate(['--nats', nats.url, 'status'], { env: { NATS_URL: 'nats://127.0.0.1:1' } }), wxgate(['--json', 'status'])]);
    expectOk(run, /^SERVICES\n/);
    expect(run.stdout).toMatch(/│ policy\s+│/);
    expect(run.stdout).toMatch(/│ token-refresher\s+│/);
    expect(run.stdout).toContain('not answering: forwarder');
    expect(run.stdout).toContain(COMPONENT.appid);
    expect(run.stdout).toMatch(/stream WXGATE_EVENTS: \d+ message\(s\)/);
    expect(run.stdout).toMatch(/lag \(pending\)/);

    const status = json<{ services: { app: string }[]; missing: string[]; credentials: unknown[]; events: { stream: string; consumers: { name: string; pending: number }[] } }>(
      statusJson,
    );
    expect(status.services.map((s) => s.app).sort()).toEqual(['policy', 'token-refresher']);
    expect(status.missing).toEqual(['forwarder']);
    expect(status.credentials).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'component', appid: COMPONENT.appid, ticketAt: expect.any(Number) })]));
    expect(status.events.stream).toBe('WXGATE_EVENTS');
    expect(status.events.consumers.length).toBeGreaterThanOrEqual(1);
    expect(status.events.consumers.every((c) => typeof c.pending === 'number')).toBe(true);
  });

  it('removes environments, authorizers, apps and components', async () => {
    const [envRm, authorizerRm, appRm] = await Promise.all([wxgate(['env', 'rm', APP_ENV]), wxgate(['authorizer', 'rm', SYNCED.appid]), wxgate(['app', 'rm', APP.appid])]);
    expectOk(envRm, `ok: environment ${APP_ENV} removed`);
    expectOk(authorizerRm, `ok: authorizer ${SYNCED.appid} removed`);
    expectOk(appRm, `ok: app ${APP.appid} removed`);
    const [envGone, appGone, componentRm] = await Promise.all([wxgate(['env', 'show', APP_ENV]), wxgate(['token', 'get', 'app', APP.appid]), wxgate(['--json', 'component', 'rm', COMPONENT.appid])]);
    expectRefused(envGone, 'ENV_NOT_FOUND');
    expectRefused(appGone, 'CREDENTIAL_NOT_FOUND');
    expect(json(componentRm)).toEqual({ ok: true });
    expect(json<unknown[]>(await wxgate(['--json', 'component', 'list']))).toEqual([]);
  });

  it('never printed a secret without --reveal', () => {
    const secrets = [COMPONENT.secret, COMPONENT.token, COMPONENT.aesKey, COMPONENT_RESTAMP_KEY, APP.secret, IMPORTED.refreshToken, SYNCED.refreshToken, ...revealed];
    expect(revealed.size).toBeGreaterThanOrEqual(1);
    const all = transcript.join('\n');
    expect(transcript.length).toBeGreaterThan(80);
    for (const secret of secrets) expect(all.includes(secret) ? secret : 'absent').toBe('absent');
  });
});

describe('wxgate CLI with NATS credentials', () => {
  const SHOP_SUBJECT = `wxgate.token.get.authorizer.${AUTHORIZER}`;
  let url: string;
  let server: ReturnType<typeof spawn>;
  let dir: { path: string; remove(): void };

  beforeAll(async () => {
    dir = tempDir('wxgate-cli-auth-');
    const port = await freePort();
    const conf = path.join(dir.path, 'nats.conf');
    writeFileSync(
      conf,
      `listen: 127.0.0.1:${port}
authorization {
  users = [
    { user: operator, password: "operator-pass-1", permissions: {
        publish: { allow: ["wxgate.admin.>", "wxgate.token.>", "wxgate.policy.check", "$JS.API.INFO", "$JS.API.STREAM.INFO.WXGATE_EVENTS", "$JS.API.CONSUMER.LIST.WXGATE_EVENTS"] }
        subscribe: { allow: ["_INBOX.>"] }
    } }
    { user: shop, password: "shop-pass-2", permissions: { publish: { allow: ["${SHOP_SUBJECT}"] }, subscribe: { allow: ["_INBOX.>"] } } }
  ]
}
`,
    );
    server = spawn(ensureNatsServer(), ['-c', conf], { stdio: 'ignore' });
    await waitForPort(port);
    url = `nats://127.0.0.1:${port}`;
  });

  afterAll(() => {
    server?.kill('SIGTERM');
    dir?.remove();
  });

  it('connects with --user/--pass or NATS_USER/NATS_PASS, and exits 2 when NATS refuses them', async () => {
    const flags = await wxgate(['--nats', url, '--user', 'operator', '--pass', 'operator-pass-1', 'env', 'ls']);
    const env = await wxgate(['env', 'ls'], { env: { NATS_URL: url, NATS_USER: 'operator', NATS_PASS: 'operator-pass-1' } });
    // Connected and authorized: nobody serves the subject on this server.
    for (const run of [flags, env]) {
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^policy is not answering on wxgate\.admin\.env\.list \(no responders\) at NATS nats:\/\/127\.0\.0\.1:\d+: is it running, and is this the NATS it uses \(NATS_URL, --nats\)\?\n$/);
    }
    // The operator permissions of docs/operations.md are enough for status.
    // No service answering at all: exit 2, naming the NATS used.
    const status = await wxgate(['status'], { env: { NATS_URL: url, NATS_USER: 'operator', NATS_PASS: 'operator-pass-1' } });
    expect(status.code).toBe(2);
    expect(status.stderr).toBe(`no wxgate service answered wxgate.admin.ping at NATS ${url}: is NATS_URL (or --nats) the NATS the services use, and are they running?\n`);
    expect(status.stdout).toContain('not answering: token-refresher, policy, forwarder');
    // Credentials in the URL are never printed.
    const inUrl = await wxgate(['status'], { env: { NATS_URL: url.replace('//', '//operator:operator-pass-1@') } });
    expect(inUrl.code).toBe(2);
    expect(inUrl.stderr).toContain(url.replace('//', '//***@'));
    expect(inUrl.stderr + inUrl.stdout).not.toContain('operator-pass-1');
    const statusJson = await wxgate(['--json', 'status'], { env: { NATS_URL: url, NATS_USER: 'operator', NATS_PASS: 'operator-pass-1' } });
    expect(statusJson.code).toBe(2);
    expect(JSON.parse(statusJson.stdout)).toMatchObject({ missing: ['token-refresher', 'policy', 'forwarder'], natsUrl: url });
    const wrong = await wxgate(['--nats', url, '--user', 'operator', '--pass', 'nope', 'env', 'ls']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^cannot connect to NATS at .+: .*authorization/i);
    expect(wrong.stderr).not.toContain('nope');
  });

  it('reports a subject NATS permissions forbid as refused (exit 1), not as a service that is down', async () => {
    const shop = { NATS_URL: url, NATS_USER: 'shop', NATS_PASS: 'shop-pass-2' };
    const denied = await wxgate(['token', 'get', 'authorizer', IMPORTED.appid], { env: shop });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toBe(`error: PERMISSION_DENIED: this NATS user may not publish to wxgate.token.get.authorizer.${IMPORTED.appid}\n`);
    const allowed = await wxgate(['token', 'get', 'authorizer', AUTHORIZER], { env: shop });
    expect(allowed.code).toBe(2);
  });
});
