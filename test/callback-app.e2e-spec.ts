/**
 * The callback receiver inside the BUILT token-refresher process: components registered over
 * NATS admin, the sandbox pushing to CALLBACK_PORT with its own WXBizMsgCrypt, events landing on
 * WXGATE_EVENTS, and a key rotation through the real credential store.
 */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { EVENTS_STREAM } from '@wxgate/contracts';
import { aesKeyFrom, buildWechatXml, encryptMessage, msgSignature } from '@wxgate/wechat';
import { createSandbox, type Sandbox } from '../apps/wechat-sandbox/src/sandbox.js';
import { freePort, natsClient, rawRequest, startApp, startNatsServer, waitFor, type AppProcess, type NatsServerHandle } from './support/harness.js';

const COMPONENT = 'wxa1a1a1a1a1a1a1a1';
const TOKEN = 'appE2eToken';
const FIRST_KEY = 'f'.repeat(43);
const SECOND_KEY = 'S'.repeat(43);

describe('WeChat callback in the built token-refresher (docs/http-behaviour.md)', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let sandbox: Sandbox;
  let refresher: AppProcess;
  let callbackPort: number;

  const streamCount = async () => (await jsm.streams.info(EVENTS_STREAM)).state.messages;
  const lastTicket = async () =>
    (await jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj: `wxgate.events.wechat.${COMPONENT}.component_verify_ticket` }).catch(() => undefined))?.json<
      Record<string, unknown>
    >();
  const sandboxAdmin = async (path: string, body: unknown) => {
    const res = await fetch(`${sandbox.url}/__sandbox/${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };
  const putComponent = (encodingAesKey: string) =>
    rawRequest(nc, 'wxgate.admin.component.put', { componentAppid: COMPONENT, componentAppsecret: 'app-e2e-secret', token: TOKEN, encodingAesKey });

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await natsClient(nats.url);
    sandbox = await createSandbox();
    callbackPort = await freePort();
    refresher = await startApp('token-refresher', { NATS_URL: nats.url, CALLBACK_PORT: String(callbackPort), WECHAT_API_BASE: sandbox.url, WECHAT_API_BACKUP: '' });
    await refresher.waitReady();
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    await refresher?.stop('SIGKILL').catch(() => undefined);
    await sandbox?.close();
    await nc?.close();
    await nats?.stop();
  });

  it('publishes the ticket the sandbox pushes to CALLBACK_PORT and answers it success', async () => {
    expect(await putComponent(FIRST_KEY)).toEqual({ ok: true });
    await sandboxAdmin('components', {
      appid: COMPONENT,
      secret: 'app-e2e-secret',
      token: TOKEN,
      encodingAesKey: FIRST_KEY,
      callbackUrl: `http://127.0.0.1:${callbackPort}/wechat/callback`,
      ticketIntervalS: 3600,
    });
    const pushed = await sandboxAdmin('tickets/push', { componentAppid: COMPONENT });
    expect(pushed).toMatchObject({ pushed: true, acknowledged: true, attempts: 1 });
    const event = await waitFor(async () => {
      const e = await lastTicket();
      return e?.ComponentVerifyTicket === pushed.ticket ? e : undefined;
    }, { what: 'the pushed ticket on WXGATE_EVENTS' });
    expect(event).toMatchObject({ AppId: COMPONENT, InfoType: 'component_verify_ticket', CreateTime: expect.any(Number) });
  });

  it('refuses a push with a bad signature (401) and publishes nothing', async () => {
    const before = await streamCount();
    const timestamp = String(Math.floor(Date.now() / 1000));
    const encrypt = encryptMessage(aesKeyFrom(FIRST_KEY), COMPONENT, buildWechatXml({ AppId: COMPONENT, CreateTime: Number(timestamp), InfoType: 'component_verify_ticket', ComponentVerifyTicket: 'x' }));
    const res = await fetch(`http://127.0.0.1:${callbackPort}/wechat/callback?timestamp=${timestamp}&nonce=1&encrypt_type=aes&msg_signature=${'0'.repeat(40)}`, {
      method: 'POST',
      body: buildWechatXml({ AppId: COMPONENT, Encrypt: encrypt }),
    });
    expect(res.status).toBe(401);
    expect(await streamCount()).toBe(before);
  });

  it('keeps accepting the previous EncodingAESKey after the component is re-put with a new one', async () => {
    expect(await putComponent(SECOND_KEY)).toEqual({ ok: true });
    // The sandbox still encrypts with the first key, as WeChat does until its side switches.
    const old = await sandboxAdmin('tickets/push', { componentAppid: COMPONENT });
    expect(old).toMatchObject({ acknowledged: true });
    await waitFor(async () => (await lastTicket())?.ComponentVerifyTicket === old.ticket, { what: 'the old-key ticket on the stream' });

    const timestamp = String(Math.floor(Date.now() / 1000));
    const encrypt = encryptMessage(aesKeyFrom(SECOND_KEY), COMPONENT, buildWechatXml({ AppId: COMPONENT, CreateTime: Number(timestamp), InfoType: 'component_verify_ticket', ComponentVerifyTicket: 'new-key-ticket' }));
    const res = await fetch(`http://127.0.0.1:${callbackPort}/wechat/callback?timestamp=${timestamp}&nonce=77&encrypt_type=aes&msg_signature=${msgSignature(TOKEN, timestamp, '77', encrypt)}`, {
      method: 'POST',
      body: buildWechatXml({ AppId: COMPONENT, Encrypt: encrypt }),
    });
    expect(await res.text()).toBe('success');
    expect((await lastTicket())?.ComponentVerifyTicket).toBe('new-key-ticket');
  });

  it('serves /metrics with wxgate_callback_requests_total by outcome', async () => {
    const text = await (await fetch(`http://127.0.0.1:${refresher.adminPort}/metrics`)).text();
    expect(text).toMatch(/^wxgate_callback_requests_total\{outcome="published"\} [1-9]/m);
    expect(text).toMatch(/^wxgate_callback_requests_total\{outcome="bad_signature"\} 1$/m);
  });

  it('never writes the ticket, token or keys to its log', () => {
    const out = refresher.output();
    expect(out).toContain('bad_signature');
    for (const secret of [TOKEN, FIRST_KEY, SECOND_KEY, 'new-key-ticket', 'ticket@@@']) expect(out).not.toContain(secret);
  });

  it('stops on SIGTERM with exit code 0 and the callback port closed', async () => {
    const { code } = await refresher.stop('SIGTERM');
    expect(code).toBe(0);
    await expect(fetch(`http://127.0.0.1:${callbackPort}/wechat/callback`, { method: 'POST', body: '' })).rejects.toThrow();
  });
});
