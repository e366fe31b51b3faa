import type { NatsConnection } from '@nats-io/transport-node';
import { createSandbox, type Sandbox } from '../apps/wechat-sandbox/src/sandbox.js';
import { freePort, natsClient, rawRequest, startApp, startNatsServer, waitFor, type AppProcess, type NatsServerHandle } from './support/harness.js';
import { aesKey, appid, calls, collect, PATHS, secretValue } from './support/refresher-fixtures.js';

type TokenJson = { token?: string; expiresAt?: number; error?: { reason: string; message: string } };

/** WeChat lifetimes of 3 s: served for 1.5 s (half-lifetime safety margin), refreshed ahead at 0.75 s. */
const TOKEN_TTL_S = 3;
const RUN_MS = 15_000;

describe('token-refresher with 3-second tokens (ticket and authorization through the real callback)', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let sandbox: Sandbox;
  let refresher: AppProcess;
  const component = { appid: appid('c'), secret: secretValue('cs'), token: secretValue('vt'), encodingAesKey: aesKey() };
  const app = { appid: appid('a'), secret: secretValue('as') };
  const authorizer = appid('z');
  const req = (subject: string, payload: object = {}) => rawRequest(nc, subject, payload, 10_000) as Promise<TokenJson>;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await natsClient(nats.url);
    sandbox = await createSandbox({ knobs: { tokenTtlS: TOKEN_TTL_S, stableSwapS: 1, ticketIntervalS: 5 }, seed: { apps: [app] } });
    const callbackPort = await freePort();
    refresher = await startApp('token-refresher', {
      NATS_URL: nats.url,
      WECHAT_API_BASE: sandbox.url,
      WECHAT_API_BACKUP: '',
      CALLBACK_PORT: String(callbackPort),
    });
    await refresher.waitReady();
    await req('wxgate.admin.component.put', {
      componentAppid: component.appid,
      componentAppsecret: component.secret,
      token: component.token,
      encodingAesKey: component.encodingAesKey,
    });
    await req('wxgate.admin.app.put', { appid: app.appid, secret: app.secret });
    // Registering with a callback URL makes the sandbox push a ticket at once, then every 5 s.
    sandbox.state.registerComponent({ ...component, callbackUrl: `http://127.0.0.1:${callbackPort}/wechat/callback` });
  });

  afterAll(async () => {
    await refresher?.stop('SIGKILL').catch(() => undefined);
    await nc?.close();
    await nats?.stop();
    await sandbox?.close();
  });

  it('serves a component token once the sandbox pushed a ticket to the callback', async () => {
    const reply = await waitFor(async () => {
      const r = await req(`wxgate.token.get.component.${component.appid}`);
      return r.token ? r : undefined;
    }, { what: 'component token' });
    expect(sandbox.state.tokens.check(reply.token!).ok).toBe(true);
  });

  it('serves an authorizer token after an authorization pushed to the callback', async () => {
    const events = collect(nc, `wxgate.events.authorizer.${component.appid}.${authorizer}`);
    const result = await sandbox.state.simulator.authorize({ componentAppid: component.appid, authorizerAppid: authorizer, funcScopes: [1] });
    expect(result.delivery.acknowledged).toBe(true);
    await waitFor(() => events.messages.length > 0, { what: 'authorizer event' });
    const reply = await req(`wxgate.token.get.authorizer.${authorizer}`);
    expect(sandbox.state.tokens.check(reply.token!).ok).toBe(true);
    events.stop();
  });

  it('keeps accepting pushes sealed with the previous EncodingAESKey after component.put rotates it', async () => {
    const rotated = aesKey();
    expect(await req('wxgate.admin.component.put', { componentAppid: component.appid, componentAppsecret: component.secret, token: component.token, encodingAesKey: rotated })).toEqual({ ok: true });
    const sandboxComponent = sandbox.state.accounts.components.get(component.appid)!;
    // WeChat still encrypts with the old key for a while.
    expect((await sandbox.state.scheduler.pushNow(sandboxComponent)).acknowledged).toBe(true);
    sandbox.state.registerComponent({ ...component, encodingAesKey: rotated, callbackUrl: sandboxComponent.callbackUrl });
    expect((await sandbox.state.scheduler.pushNow(sandbox.state.accounts.components.get(component.appid)!)).acknowledged).toBe(true);
  });

  it(`refreshes proactively and never serves an expired token across ${RUN_MS / 1000} s`, async () => {
    const kinds = [
      ['component', component.appid],
      ['authorizer', authorizer],
      ['app', app.appid],
    ] as const;
    const before = { component: calls(sandbox, PATHS.componentToken), authorizer: calls(sandbox, PATHS.authorizerToken), app: calls(sandbox, PATHS.stableToken) };
    const refreshed = collect(nc, 'wxgate.events.token.refreshed.>');
    const problems: string[] = [];
    const seen = new Map<string, Set<string>>(kinds.map(([k]) => [k, new Set()]));
    let served = 0;
    const end = Date.now() + RUN_MS;
    while (Date.now() < end) {
      // A reply cannot have been made before its request was sent: expiresAt must be later than that.
      const at = Date.now();
      const replies = await Promise.all(kinds.map(([kind, id]) => req(`wxgate.token.get.${kind}.${id}`).then((r) => ({ kind, r, at }))));
      for (const { kind, r, at } of replies) {
        served++;
        if (!r.token) problems.push(`${kind}: ${JSON.stringify(r.error)}`);
        else if (r.expiresAt! <= at) problems.push(`${kind}: served expired (${at - r.expiresAt!} ms late)`);
        else if (!sandbox.state.tokens.check(r.token).ok) problems.push(`${kind}: WeChat refuses the served token`);
        else seen.get(kind)!.add(r.token);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(problems).toEqual([]);
    expect(served).toBeGreaterThan(300);
    // Component and authorizer tokens are served 1.5 s each: a new one at least that often.
    expect(seen.get('component')!.size).toBeGreaterThanOrEqual(RUN_MS / 1500);
    expect(seen.get('authorizer')!.size).toBeGreaterThanOrEqual(RUN_MS / 1500);
    // stable_token hands out the same token until less than stableSwapS (1 s) is left: a new one every ~2-3 s.
    expect(seen.get('app')!.size).toBeGreaterThanOrEqual(RUN_MS / 3000);
    const componentCalls = calls(sandbox, PATHS.componentToken) - before.component;
    const authorizerCalls = calls(sandbox, PATHS.authorizerToken) - before.authorizer;
    expect(componentCalls).toBeLessThanOrEqual(RUN_MS / 600);
    expect(authorizerCalls).toBeLessThanOrEqual(RUN_MS / 600);
    // Every call is followed by one token.refreshed (the last one may still be on its way).
    const published = (kind: string) => refreshed.messages.filter((m) => m.subject.includes(`.refreshed.${kind}.`)).length;
    const counts = () => ({
      component: [published('component'), calls(sandbox, PATHS.componentToken) - before.component],
      authorizer: [published('authorizer'), calls(sandbox, PATHS.authorizerToken) - before.authorizer],
      app: [published('app'), calls(sandbox, PATHS.stableToken) - before.app],
    });
    await waitFor(() => Object.values(counts()).every(([events, wechat]) => events === wechat), { timeoutMs: 3_000, intervalMs: 20, what: `one event per call: ${JSON.stringify(counts())}` });
    refreshed.stop();
  });

  it('while WeChat refuses, serves the still-valid token, then answers its errcode instead of an expired one, then recovers', async () => {
    sandbox.state.faults.add({ type: 'errcode', path: PATHS.componentToken, errcode: -1, count: 1_000 });
    const callsBefore = calls(sandbox, PATHS.componentToken);
    const outcomes: string[] = [];
    const end = Date.now() + 3_000;
    while (Date.now() < end) {
      const sent = Date.now();
      const r = await req(`wxgate.token.get.component.${component.appid}`);
      if (r.token) outcomes.push(r.expiresAt! > sent ? 'valid' : 'EXPIRED');
      else outcomes.push(`${r.error?.reason}:${(r.error as { errcode?: number }).errcode}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(outcomes).not.toContain('EXPIRED');
    expect(outcomes[0]).toBe('valid');
    expect(outcomes.at(-1)).toBe('TOKEN_UNAVAILABLE:-1');
    // ~50 gets over 3 s, but WeChat was asked only as the backoff (1 s, 2 s…) allowed: no retry storm.
    expect(outcomes.length).toBeGreaterThan(30);
    expect(calls(sandbox, PATHS.componentToken) - callsBefore).toBeLessThanOrEqual(5);
    sandbox.state.faults.clear();
    const back = await waitFor(async () => {
      const r = await req(`wxgate.token.get.component.${component.appid}`);
      return r.token ? r : undefined;
    }, { timeoutMs: 10_000, intervalMs: 100, what: 'a token after WeChat recovered' });
    expect(sandbox.state.tokens.check(back.token!).ok).toBe(true);
  });

  it('unauthorize pushed to the callback → token.get answers a reason and an unauthorized event is published', async () => {
    const events = collect(nc, `wxgate.events.authorizer.${component.appid}.${authorizer}`);
    const result = await sandbox.state.simulator.unauthorize({ componentAppid: component.appid, authorizerAppid: authorizer });
    expect(result.delivery.acknowledged).toBe(true);
    await waitFor(() => events.messages.length > 0, { what: 'unauthorized event' });
    expect(events.messages[0]!.body).toMatchObject({ status: 'unauthorized', funcScopes: [] });
    const reply = await req(`wxgate.token.get.authorizer.${authorizer}`);
    expect(reply.error).toMatchObject({ reason: 'TOKEN_UNAVAILABLE', message: expect.stringMatching(/unauthorized/) });
    events.stop();
  });
});
