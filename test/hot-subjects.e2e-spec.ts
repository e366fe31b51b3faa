/**
 * The hot subjects, `wxgate.token.get.*` and `wxgate.policy.check`, served by the built apps from a
 * plain queue subscription (libs/nats/src/hot-responder.ts): replies are the bytes the Nest path
 * sent (the literals below were recorded from the Nest-served build before the change), each
 * request is answered once, replicas share the load, and a changed token is never answered from
 * an old pre-encoded reply. Shapes: docs/nats-interface.md, reasons: docs/errors.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createInbox, type NatsConnection } from '@nats-io/transport-node';
import { createSandbox, type Sandbox } from '../apps/wechat-sandbox/src/sandbox.js';
import { ensureNatsServer } from '../scripts/nats-server.mjs';
import { freePort, natsClient, startApp, tempDir, waitFor, type AppProcess } from './support/harness.js';
import { appid, secretValue } from './support/refresher-fixtures.js';

type TokenJson = { kind: string; appid: string; token: string; expiresAt: number };

/** A private nats-server with its monitoring port (to count subscriptions), killed after the file. */
async function natsWithMonitor(): Promise<{ url: string; monitor: string; stop(): Promise<void> }> {
  const [port, http] = [await freePort(), await freePort()];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wxgate-nats-hot-'));
  const child: ChildProcess = spawn(ensureNatsServer(), ['-a', '127.0.0.1', '-p', String(port), '-m', String(http), '-js', '-sd', dir], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const monitor = `http://127.0.0.1:${http}`;
  await waitFor(async () => (await fetch(`${monitor}/healthz`).catch(() => undefined))?.ok, { what: 'nats-server monitor' });
  return {
    url: `nats://127.0.0.1:${port}`,
    monitor,
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every subscription to `subject` of every client whose name starts with `wxgate-<app>`, with its queue group. */
async function subscriptionsOf(monitor: string, app: string, subject: string): Promise<{ client: string; queue?: string }[]> {
  const connz = (await (await fetch(`${monitor}/connz?subs=detail&limit=1000`)).json()) as {
    connections: { name?: string; subscriptions_list_detail?: { subject: string; qgroup?: string }[] }[];
  };
  return connz.connections
    .filter((c) => c.name?.startsWith(`wxgate-${app}-`))
    .flatMap((c) => (c.subscriptions_list_detail ?? []).filter((s) => s.subject === subject).map((s) => ({ client: c.name!, queue: s.qgroup })));
}

/** Sends `count` requests with one reply inbox and counts every reply: none may be missing or doubled. */
async function answersOf(nc: NatsConnection, subject: string, payload: string, count: number): Promise<string[]> {
  const inbox = createInbox();
  const replies: string[] = [];
  const sub = nc.subscribe(inbox, { callback: (_err, msg) => void replies.push(msg.string()) });
  await nc.flush();
  for (let i = 0; i < count; i++) nc.publish(subject, payload, { reply: inbox });
  await waitFor(() => replies.length >= count, { timeoutMs: 20_000, what: `${count} replies on ${subject}` });
  // Anything doubled would arrive right behind the others.
  await nc.flush();
  await new Promise((r) => setTimeout(r, 300));
  sub.unsubscribe();
  return replies;
}

async function metric(replica: AppProcess, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${replica.adminPort}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('hot subjects token.get and policy.check (built apps, private NATS)', () => {
  let nats: Awaited<ReturnType<typeof natsWithMonitor>>;
  let nc: NatsConnection;
  let sandbox: Sandbox;
  let refresher: AppProcess;
  let policy: AppProcess;
  const refresherDir = tempDir('wxgate-hot-refresher-');
  const policyDir = tempDir('wxgate-hot-policy-');
  const app = { appid: appid('a'), secret: secretValue('asecret') };
  const other = { appid: appid('b'), secret: secretValue('bsecret') };
  const replicas: AppProcess[] = [];
  const raw = async (subject: string, payload = '{}') => (await nc.request(subject, payload, { timeout: 10_000 })).string();

  beforeAll(async () => {
    nats = await natsWithMonitor();
    nc = await natsClient(nats.url);
    sandbox = await createSandbox({ seed: { apps: [app, other] } });
    refresher = await startApp('token-refresher', { NATS_URL: nats.url, WECHAT_API_BASE: sandbox.url, WECHAT_API_BACKUP: '', CALLBACK_PORT: String(await freePort()), INVALIDATE_MIN_INTERVAL_S: '1' }, { cwd: refresherDir.path });
    policy = await startApp('policy', { NATS_URL: nats.url }, { cwd: policyDir.path });
    await Promise.all([refresher.waitReady(), policy.waitReady()]);
    expect(await raw('wxgate.admin.app.put', JSON.stringify({ appid: app.appid, secret: app.secret }))).toBe('{"ok":true}');
    expect(await raw('wxgate.admin.app.put', JSON.stringify({ appid: other.appid, secret: other.secret }))).toBe('{"ok":true}');
    expect(await raw('wxgate.admin.env.put', JSON.stringify({ envId: 'prod', ownerAppid: app.appid, ownerKind: 'app' }))).toBe('{"ok":true}');
    expect(await raw('wxgate.admin.allowlist.add', JSON.stringify({ envId: 'prod', paths: ['/wxa/getwxacode'] }))).toBe('{"ok":true}');
  });

  afterAll(async () => {
    await Promise.all([refresher, policy, ...replicas].map((p) => p?.stop('SIGKILL').catch(() => undefined)));
    await nc?.close();
    await nats?.stop();
    await sandbox?.close();
    refresherDir.remove();
    policyDir.remove();
  });

  it('subscribes each hot subject once per process, in the app queue group', async () => {
    for (const subject of ['wxgate.token.get.*.*', 'wxgate.token.get.authorizer.*.*']) {
      expect(await subscriptionsOf(nats.monitor, 'token-refresher', subject)).toEqual([{ client: expect.any(String), queue: 'wxgate.token-refresher' }]);
    }
    expect(await subscriptionsOf(nats.monitor, 'policy', 'wxgate.policy.check')).toEqual([{ client: expect.any(String), queue: 'wxgate.policy' }]);
    // The Nest-served subjects are still there.
    expect(await subscriptionsOf(nats.monitor, 'token-refresher', 'wxgate.token.invalidate.*.*')).toEqual([{ client: expect.any(String), queue: 'wxgate.token-refresher' }]);
  });

  it('answers token.get with the token, byte for byte in the documented shape, minted and then held, whatever the payload', async () => {
    const first = await raw(`wxgate.token.get.app.${app.appid}`);
    const token = JSON.parse(first) as TokenJson;
    expect(first).toBe(JSON.stringify({ kind: 'app', appid: app.appid, token: token.token, expiresAt: token.expiresAt }));
    expect(token.token).toMatch(/\S{20,}/);
    expect(await raw(`wxgate.token.get.app.${app.appid}`)).toBe(first);
    expect(await raw(`wxgate.token.get.app.${app.appid}`, '')).toBe(first);
    expect(await raw(`wxgate.token.get.app.${app.appid}`, 'not json')).toBe(first);
  });

  it.each([
    ['wxgate.token.get.user.wx1234567890abcdef', '{"error":{"reason":"BAD_REQUEST","message":"kind must be one of component, authorizer, app (subject wxgate.token.get.<kind>.<appid> or wxgate.token.get.authorizer.<componentAppid>.<authorizerAppid>)","errcode":47001}}'],
    ['wxgate.token.get.app.not-an-appid', '{"error":{"reason":"BAD_REQUEST","message":"appid in the subject must be a WeChat appid","errcode":47001}}'],
    ['wxgate.token.get.authorizer.wxc234567890abcdef.not-an-appid', '{"error":{"reason":"BAD_REQUEST","message":"appids in the subject must be WeChat appids","errcode":47001}}'],
    ['wxgate.token.get.app.wx00000000000000ff', '{"error":{"reason":"CREDENTIAL_NOT_FOUND","message":"no app wx00000000000000ff","errcode":40013}}'],
    ['wxgate.token.get.authorizer.wxc234567890abcdef.wx00000000000000ff', '{"error":{"reason":"CREDENTIAL_NOT_FOUND","message":"no authorizer wx00000000000000ff of component wxc234567890abcdef","errcode":40013}}'],
    ['wxgate.token.get.authorizer.wx00000000000000ff', '{"error":{"reason":"CREDENTIAL_NOT_FOUND","message":"no authorizer wx00000000000000ff","errcode":40013}}'],
  ])('answers token.get on %s exactly as before', async (subject, expected) => {
    expect(await raw(subject)).toBe(expected);
  });

  it('answers an unexpected failure of token.get as INTERNAL without its text', async () => {
    // A credential not held in memory, then its table gone under the running process.
    const db = new Database(path.join(refresherDir.path, 'data/token-refresher.sqlite'));
    try {
      db.exec('ALTER TABLE refresher_tokens RENAME TO refresher_tokens_away');
      try {
        expect(await raw(`wxgate.token.get.app.${other.appid}`)).toBe('{"error":{"reason":"INTERNAL","message":"internal error","errcode":-1}}');
      } finally {
        db.exec('ALTER TABLE refresher_tokens_away RENAME TO refresher_tokens');
      }
    } finally {
      db.close();
    }
    await waitFor(async () => !(await raw(`wxgate.token.get.app.${other.appid}`)).includes('"error"'), { what: 'token.get answering again' });
    expect(refresher.output()).toMatch(/unhandled error on wxgate\.token\.get\.app\./);
  });

  it('never answers a refreshed token from the old pre-encoded reply', async () => {
    const subject = `wxgate.token.get.app.${app.appid}`;
    const before = JSON.parse(await raw(subject)) as TokenJson;
    expect(await raw(subject)).toBe(JSON.stringify(before));
    const renewed = JSON.parse(await raw(`wxgate.token.invalidate.app.${app.appid}`, JSON.stringify({ token: before.token }))) as TokenJson;
    expect(renewed.token).not.toBe(before.token);
    const after = await raw(subject);
    expect(after).toBe(JSON.stringify({ kind: 'app', appid: app.appid, token: renewed.token, expiresAt: renewed.expiresAt }));
    expect(await raw(subject)).toBe(after);
    // A burst right behind another credential's refresh (an app is force-refreshed once per 30 s):
    // every reply carries the new token, none the old one.
    const held = JSON.parse(await raw(`wxgate.token.get.app.${other.appid}`)) as TokenJson;
    const heldBurst = await answersOf(nc, `wxgate.token.get.app.${other.appid}`, '{}', 100);
    expect(new Set(heldBurst)).toEqual(new Set([JSON.stringify(held)]));
    const again = JSON.parse(await raw(`wxgate.token.invalidate.app.${other.appid}`, JSON.stringify({ token: held.token }))) as TokenJson;
    expect(again.token).not.toBe(held.token);
    const burst = await answersOf(nc, `wxgate.token.get.app.${other.appid}`, '{}', 200);
    expect(new Set(burst)).toEqual(new Set([JSON.stringify({ kind: 'app', appid: other.appid, token: again.token, expiresAt: again.expiresAt })]));
  });

  it('answers policy.check decisions byte for byte as before', async () => {
    const allowed = await raw('wxgate.policy.check', JSON.stringify({ envId: 'prod', path: '/wxa/getwxacode' }));
    expect(allowed).toMatch(/^\{"allowed":true,"credential":\{"kind":"app","appid":"wx[0-9a-f]{16}"\},"tokenParam":"access_token","revision":\d+\}$/);
    expect(JSON.parse(allowed)).toMatchObject({ credential: { appid: app.appid } });
    const revision = (JSON.parse(allowed) as { revision: number }).revision;
    expect(await raw('wxgate.policy.check', JSON.stringify({ envId: 'prod', path: '/wxa/commit' }))).toBe(
      `{"allowed":false,"reason":"PATH_NOT_ALLOWED","errcode":85107,"message":"/wxa/commit is not on the allowlist of environment prod","revision":${revision}}`,
    );
    expect(await raw('wxgate.policy.check', JSON.stringify({ envId: 'nowhere', path: '/wxa/commit' }))).toBe('{"allowed":false,"reason":"ENV_NOT_FOUND","errcode":48001,"message":"no environment nowhere","revision":0}');
  });

  it('never answers a changed allowlist or share list from a remembered policy.check answer', async () => {
    const check = JSON.stringify({ envId: 'prod', path: '/wxa/getwxacode', fromAppid: other.appid });
    const decision = (reply: string) => JSON.parse(reply) as { allowed: boolean; reason?: string; revision: number };
    const denied = decision(await raw('wxgate.policy.check', check));
    expect(denied).toMatchObject({ allowed: false, reason: 'FROM_APPID_NOT_SHARED' });
    // Asked again and again: the same answer (remembered by the request bytes).
    expect(new Set(await answersOf(nc, 'wxgate.policy.check', check, 100))).toEqual(new Set([JSON.stringify(denied)]));

    expect(await raw('wxgate.admin.share.add', JSON.stringify({ envId: 'prod', appid: other.appid }))).toBe('{"ok":true}');
    await waitFor(async () => decision(await raw('wxgate.policy.check', check)).allowed, { what: 'the share to be decided' });
    const shared = await answersOf(nc, 'wxgate.policy.check', check, 200);
    expect(new Set(shared)).toEqual(new Set([expect.stringMatching(/^\{"allowed":true,"credential":\{"kind":"app","appid":"wx[0-9a-f]{16}"\},"tokenParam":"access_token","revision":\d+\}$/)]));
    expect(decision(shared[0]!).revision).toBeGreaterThan(denied.revision);

    expect(await raw('wxgate.admin.allowlist.remove', JSON.stringify({ envId: 'prod', paths: ['/wxa/getwxacode'] }))).toBe('{"ok":true}');
    await waitFor(async () => !decision(await raw('wxgate.policy.check', check)).allowed, { what: 'the removed path to be decided' });
    const removed = await answersOf(nc, 'wxgate.policy.check', check, 200);
    expect(new Set(removed.map((r) => decision(r).reason))).toEqual(new Set(['PATH_NOT_ALLOWED']));

    // Back as it was for the tests below.
    expect(await raw('wxgate.admin.allowlist.add', JSON.stringify({ envId: 'prod', paths: ['/wxa/getwxacode'] }))).toBe('{"ok":true}');
    expect(await raw('wxgate.admin.share.remove', JSON.stringify({ envId: 'prod', appid: other.appid }))).toBe('{"ok":true}');
    await waitFor(async () => decision(await raw('wxgate.policy.check', check)).reason === 'FROM_APPID_NOT_SHARED', { what: 'the policy as it was' });
    expect(decision(await raw('wxgate.policy.check', JSON.stringify({ envId: 'prod', path: '/wxa/getwxacode' }))).allowed).toBe(true);
  });

  it.each([
    ['not json', '{"error":{"reason":"BAD_REQUEST","message":"payload is not JSON","errcode":47001}}'],
    ['', '{"error":{"reason":"BAD_REQUEST","message":"envId is required; path is required","errcode":47001}}'],
    ['{"envId":"prod"}', '{"error":{"reason":"BAD_REQUEST","message":"path is required","errcode":47001}}'],
    ['{"envId":"prod","path":17}', '{"error":{"reason":"BAD_REQUEST","message":"path Invalid input: expected string, received number","errcode":47001}}'],
    ['[]', '{"error":{"reason":"BAD_REQUEST","message":"payload Invalid input: expected object, received array","errcode":47001}}'],
    ['null', '{"error":{"reason":"BAD_REQUEST","message":"envId is required; path is required","errcode":47001}}'],
  ])('answers policy.check with the payload %j exactly as before', async (payload, expected) => {
    expect(await raw('wxgate.policy.check', payload)).toBe(expected);
  });

  it('shares the load between two replicas of each app, every request answered once', async () => {
    const policy2 = await startApp('policy', { NATS_URL: nats.url });
    const refresher2 = await startApp('token-refresher', { NATS_URL: nats.url, WECHAT_API_BASE: sandbox.url, WECHAT_API_BACKUP: '', CALLBACK_PORT: String(await freePort()) });
    replicas.push(policy2, refresher2);
    await Promise.all([policy2.waitReady(), refresher2.waitReady()]);
    expect(await subscriptionsOf(nats.monitor, 'policy', 'wxgate.policy.check')).toEqual([
      { client: expect.any(String), queue: 'wxgate.policy' },
      { client: expect.any(String), queue: 'wxgate.policy' },
    ]);

    const checks = () => Promise.all([policy, policy2].map((p) => metric(p, 'wxgate_policy_checks_total')));
    const checksBefore = await checks();
    const decisions = await answersOf(nc, 'wxgate.policy.check', JSON.stringify({ envId: 'nowhere', path: '/wxa/commit' }), 400);
    expect(decisions).toHaveLength(400);
    expect(new Set(decisions)).toEqual(new Set(['{"allowed":false,"reason":"ENV_NOT_FOUND","errcode":48001,"message":"no environment nowhere","revision":0}']));
    const checked = (await checks()).map((n, i) => n - checksBefore[i]!);
    expect(checked[0]! + checked[1]!).toBe(400);
    expect(Math.min(...checked)).toBeGreaterThan(0);

    // Each replica has its own database here: the credential is put until both hold it.
    for (let i = 0; i < 40; i++) expect(await raw('wxgate.admin.app.put', JSON.stringify({ appid: other.appid, secret: other.secret }))).toBe('{"ok":true}');
    const subject = `wxgate.token.get.app.${other.appid}`;
    const served = () => Promise.all([refresher, refresher2].map((p) => metric(p, 'wxgate_tokens_served_total{kind="app"}')));
    await waitFor(async () => (await answersOf(nc, subject, '{}', 20)).every((r) => !r.includes('"error"')), { what: 'both replicas serving the token' });
    const servedBefore = await served();
    const tokens = await answersOf(nc, subject, '{}', 400);
    expect(tokens).toHaveLength(400);
    expect(tokens.every((r) => (JSON.parse(r) as TokenJson).appid === other.appid)).toBe(true);
    const counted = (await served()).map((n, i) => n - servedBefore[i]!);
    expect(counted[0]! + counted[1]!).toBe(400);
    expect(Math.min(...counted)).toBeGreaterThan(0);
  });

  it('on SIGTERM answers the token.get it took before it stops, then exits 0', async () => {
    // WeChat answering a token call after 1.5 s: the request is in flight when the stop begins.
    const slowToken = secretValue('slowtoken');
    const slow = createServer((req, res) => {
      req.resume();
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: slowToken, expires_in: 7200 })), 1_500);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const dir = tempDir('wxgate-hot-stop-');
      const stopping = await startApp('token-refresher', { NATS_URL: nats.url, WECHAT_API_BASE: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`, WECHAT_API_BACKUP: '', CALLBACK_PORT: String(await freePort()) }, { cwd: dir.path });
      replicas.push(stopping);
      await stopping.waitReady();
      // The other refresher replicas must not take the request: stop them first.
      await Promise.all([refresher, ...replicas.filter((r) => r.app === 'token-refresher' && r !== stopping)].map((r) => r.stop('SIGKILL')));
      const cold = appid('e');
      expect(await raw('wxgate.admin.app.put', JSON.stringify({ appid: cold, secret: secretValue('esecret') }))).toBe('{"ok":true}');
      const pending = raw(`wxgate.token.get.app.${cold}`);
      await new Promise((r) => setTimeout(r, 300));
      const stopped = stopping.stop('SIGTERM');
      const reply = JSON.parse(await pending) as TokenJson;
      expect(reply).toMatchObject({ kind: 'app', appid: cold, token: slowToken });
      expect((await stopped).code).toBe(0);
      dir.remove();
    } finally {
      slow.close();
    }
  });
});
