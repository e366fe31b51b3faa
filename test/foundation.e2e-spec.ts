import type { NatsConnection } from '@nats-io/transport-node';
import { freePort, natsClient, rawRequest, runToExit, startApp, startNatsServer, waitFor, type AppProcess, type NatsServerHandle } from './support/harness.js';

describe('every service boots the same way (built processes, private NATS)', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  const apps: AppProcess[] = [];
  let sandboxPort: number;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await natsClient(nats.url);
    sandboxPort = await freePort();
    const env = { NATS_URL: nats.url, WECHAT_API_BASE: `http://127.0.0.1:${sandboxPort}`, WECHAT_API_BACKUP: '' };
    const started = await Promise.all([
      startApp('token-refresher', { ...env, CALLBACK_PORT: String(await freePort()) }),
      startApp('policy', env),
      startApp('forwarder', { ...env, PORT: String(await freePort()), TLS_PORT: String(await freePort()) }),
      startApp('wechat-sandbox', { SANDBOX_PORT: String(sandboxPort) }),
    ]);
    apps.push(...started);
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop('SIGKILL').catch(() => undefined)));
    await nc?.close();
    await nats?.stop();
  });

  it('answers /readyz 200 on each service and HTTP on the sandbox', async () => {
    for (const app of apps.filter((a) => a.app !== 'wechat-sandbox')) {
      await app.waitReady();
      const res = await fetch(`http://127.0.0.1:${app.adminPort}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok', info: { nats: { status: 'up' } } });
    }
    await waitFor(async () => (await fetch(`http://127.0.0.1:${sandboxPort}/__sandbox/state`).catch(() => undefined))?.status, { what: 'sandbox HTTP' });
  });

  it('serves Prometheus text on /metrics', async () => {
    const res = await fetch(`http://127.0.0.1:${apps[0]!.adminPort}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toMatch(/^# HELP wxgate_process_cpu_user_seconds_total/m);
  });

  it('round-trips raw JSON with the token-refresher, no Nest envelope', async () => {
    expect(await rawRequest(nc, 'wxgate.admin.credentials.list', '{}')).toEqual([]);
    expect(await rawRequest(nc, 'wxgate.admin.credentials.list', '')).toEqual([]);
  });

  it('round-trips raw JSON with the policy service', async () => {
    expect(await rawRequest(nc, 'wxgate.admin.allowlist.list', { envId: 'nowhere' })).toEqual({
      error: { reason: 'ENV_NOT_FOUND', message: expect.stringContaining('nowhere'), errcode: 48001 },
    });
  });

  it.each([
    ['wxgate.admin.credentials.list', 'not json'],
    ['wxgate.admin.allowlist.list', 'not json'],
    ['wxgate.admin.allowlist.list', '{"envId":"has spaces"}'],
    ['wxgate.admin.allowlist.list', '{}'],
  ])('answers BAD_REQUEST with a reason to %s %s', async (subject, payload) => {
    const reply = (await rawRequest(nc, subject, payload)) as { error: { reason: string; message: string } };
    expect(reply.error.reason).toBe('BAD_REQUEST');
    expect(reply.error.message).not.toMatch(/Internal server error/i);
    expect(reply.error.message.length).toBeGreaterThan(5);
  });

  it('answers wxgate.admin.ping from every service replica', async () => {
    const inbox = nc.subscribe('_INBOX.ping-test', { max: 3 });
    nc.publish('wxgate.admin.ping', '', { reply: '_INBOX.ping-test' });
    const seen: string[] = [];
    for await (const m of inbox) seen.push((m.json() as { app: string }).app);
    expect(seen.sort()).toEqual(['forwarder', 'policy', 'token-refresher']);
  });

  it('stops each service on SIGTERM with exit code 0 within 10 s', async () => {
    for (const app of apps) {
      const { code, ms } = await app.stop('SIGTERM');
      expect({ app: app.app, code }).toEqual({ app: app.app, code: 0 });
      expect(ms).toBeLessThan(10_000);
    }
  });
});

describe('configuration is validated before anything connects', () => {
  // NATS_URL points nowhere: an app that got past validation would hang connecting, not exit.
  const unreachable = { NATS_URL: 'nats://127.0.0.1:1' };
  it.each([
    ['forwarder', { PORT: 'abc' }, 'PORT'],
    ['forwarder', { UPSTREAM_TIMEOUT_MS: 'soon' }, 'UPSTREAM_TIMEOUT_MS'],
    ['forwarder', { MAX_BODY_BYTES: '-1' }, 'MAX_BODY_BYTES'],
    ['forwarder', { WECHAT_API_BASE: 'ftp://x' }, 'WECHAT_API_BASE'],
    ['policy', { DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL'],
    ['policy', { DATABASE_URL: 'mysql://wxgate:hunter2@db/x' }, 'DATABASE_URL'],
    ['policy', { NATS_URL: 'http://wxgate:hunter2@127.0.0.1:4222' }, 'NATS_URL'],
    ['policy', { NATS_URL: 'http://127.0.0.1:4222' }, 'NATS_URL'],
    ['policy', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ['policy', { WXGATE_STREAM_REPLICAS: 'three' }, 'WXGATE_STREAM_REPLICAS'],
    ['forwarder', { WXGATE_STREAM_REPLICAS: '7' }, 'WXGATE_STREAM_REPLICAS'],
    ['token-refresher', { WXGATE_MASTER_KEY: 'c2hvcnQ=' }, 'WXGATE_MASTER_KEY'],
    ['token-refresher', { CALLBACK_PORT: '70000' }, 'CALLBACK_PORT'],
    ['token-refresher', { REFRESH_MARGIN_S: 'x' }, 'REFRESH_MARGIN_S'],
  ] as const)('%s exits non-zero within 5 s naming %s', async (app, env, variable) => {
    const { code, ms, output } = await runToExit(app, { ...unreachable, ...env }, 8_000);
    expect(code).not.toBe(0);
    expect(ms).toBeLessThan(5_000);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(variable);
    expect(lines[0]).not.toContain('c2hvcnQ=');
    expect(lines[0]).not.toContain('hunter2');
  });
});
