/**
 * WeChat Pay in the token-refresher, as a process against a private nats-server and the sandbox
 * as WeChat Pay: merchants in both verification modes, signing over NATS accepted by the sandbox,
 * and notifications on the callback port verified, decrypted and published to JetStream once.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { EVENTS_STREAM, Subjects } from '@wxgate/contracts';
import { encryptResource, parsePublicKey, signAnswer, verifySha256Rsa } from '@wxgate/wechatpay';
import { createSandbox, type Sandbox } from '../apps/wechat-sandbox/src/sandbox.js';
import { freePort, natsClient, rawRequest, startApp, startNatsServer, waitFor, type AppProcess, type NatsServerHandle } from './support/harness.js';

const MCHID = '1900009191';
const CERT_MCHID = '1900009192';
const SERIAL = '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C';
const API_V3_KEY = 'e2eApiV3Key_0123456789abcdefghij';
const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY = merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_KEY = merchant.publicKey.export({ type: 'spki', format: 'pem' }).toString();
/** A line from the middle of the private key PEM: what a leak would contain. */
const KEY_LINE = PRIVATE_KEY.split('\n')[10]!;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- NATS and HTTP answers are asserted field by field
type Json = any;

describe('WeChat Pay merchants and notifications in the token-refresher', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let sb: Sandbox;
  let refresher: AppProcess;
  let callbackPort: number;
  let publicKeyId: string;
  let publicKey: string;

  const req = (subject: string, body: object = {}) => rawRequest(nc, subject, body, 10_000) as Promise<Json>;
  const payEvents = async () => {
    const info = await jsm.streams.info(EVENTS_STREAM, { subjects_filter: 'wxgate.events.pay.>' });
    return Object.values(info.state.subjects ?? {}).reduce((a: number, b) => a + (b as number), 0);
  };
  const notifyUrl = (mchid: string) => `http://127.0.0.1:${callbackPort}/wechatpay/notify/${mchid}`;

  /** A notification as the sandbox's WeChat Pay would sign it, changeable in one way. */
  function notification(o: { id?: string; eventType?: string; plaintext?: string; apiV3Key?: string; tamper?: (b: string) => string; signature?: (s: string) => string; timestamp?: string } = {}) {
    const body = JSON.stringify({
      id: o.id ?? `EV-${Math.random().toString(36).slice(2)}`,
      create_time: '2026-12-03T20:00:00+08:00',
      resource_type: 'encrypt-resource',
      event_type: o.eventType ?? 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: encryptResource(o.apiV3Key ?? API_V3_KEY, o.plaintext ?? JSON.stringify({ out_trade_no: 'T-x', trade_state: 'SUCCESS' }), { associatedData: 'transaction', originalType: 'transaction' }),
    });
    const headers = signAnswer(sb.state.pay.keys.privateKey, publicKeyId, body, o.timestamp ? { timestamp: o.timestamp } : {});
    if (o.signature) headers['wechatpay-signature'] = o.signature(headers['wechatpay-signature']!);
    return { body: o.tamper ? o.tamper(body) : body, headers };
  }
  const post = async (mchid: string, n: { body: string; headers: Record<string, string> }) => {
    const res = await fetch(notifyUrl(mchid), { method: 'POST', headers: { ...n.headers, 'content-type': 'application/json' }, body: n.body });
    return { status: res.status, text: await res.text() };
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await natsClient(nats.url);
    jsm = await jetstreamManager(nc);
    sb = await createSandbox({ knobs: { payNotifyScale: 0.0005 } });
    const reg = await fetch(`${sb.url}/__sandbox/pay/merchants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mchid: MCHID, serialNo: SERIAL, publicKey: PUBLIC_KEY, apiV3Key: API_V3_KEY }),
    }).then((r) => r.json() as Promise<Json>);
    ({ publicKeyId, publicKey } = reg);
    await fetch(`${sb.url}/__sandbox/pay/merchants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mchid: CERT_MCHID, serialNo: SERIAL, publicKey: PUBLIC_KEY, apiV3Key: API_V3_KEY, mode: 'certificate' }),
    });
    callbackPort = await freePort();
    refresher = await startApp('token-refresher', {
      NATS_URL: nats.url,
      WECHAT_API_BASE: sb.url,
      WECHAT_API_BACKUP: '',
      WECHATPAY_API_BASE: sb.url,
      WECHATPAY_API_BACKUP: '',
      CALLBACK_PORT: String(callbackPort),
      LOG_LEVEL: 'debug',
    });
    await refresher.waitReady();
  });

  afterAll(async () => {
    await refresher?.stop();
    await sb?.close();
    await nc?.close();
    await nats?.stop();
  });

  it('refuses a merchant whose key does not parse or whose APIv3 key is short, naming the field and not the value', async () => {
    const bad = await req(Subjects.admin.merchantPut, { mchid: MCHID, serialNo: SERIAL, privateKey: PRIVATE_KEY.replace(KEY_LINE, 'AAAA'), apiV3Key: API_V3_KEY, publicKeyId, publicKey });
    expect(bad.error).toMatchObject({ reason: 'BAD_REQUEST', message: expect.stringMatching(/^privateKey/) });
    const short = await req(Subjects.admin.merchantPut, { mchid: MCHID, serialNo: SERIAL, privateKey: PRIVATE_KEY, apiV3Key: 'short', publicKeyId, publicKey });
    expect(short.error).toMatchObject({ reason: 'BAD_REQUEST', message: expect.stringContaining('apiV3Key') });
    expect(JSON.stringify([bad, short])).not.toContain(KEY_LINE);
  });

  it('signs requests over NATS that the sandbox accepts (public-key mode), and pay.jsapi params that verify', async () => {
    expect(await req(Subjects.admin.merchantPut, { mchid: MCHID, serialNo: SERIAL, privateKey: PRIVATE_KEY, apiV3Key: API_V3_KEY, publicKeyId, publicKey })).toEqual({ ok: true });
    const body = JSON.stringify({ appid: 'wxd678efh567hg6787', mchid: MCHID, description: 'e2e', out_trade_no: 'T-e2e-1', notify_url: notifyUrl(MCHID), amount: { total: 1 }, payer: { openid: 'o1' } });
    const { authorization } = await req(Subjects.pay.sign(MCHID), { method: 'POST', url: '/v3/pay/transactions/jsapi', body });
    const res = await fetch(`${sb.url}/v3/pay/transactions/jsapi`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
    const { prepay_id: prepayId } = (await res.json()) as Json;
    const pay = await req(Subjects.pay.jsapi(MCHID), { appid: 'wxd678efh567hg6787', prepayId });
    expect(pay).toMatchObject({ package: `prepay_id=${prepayId}`, signType: 'RSA' });
    expect(verifySha256Rsa(merchant.publicKey, `wxd678efh567hg6787\n${pay.timeStamp}\n${pay.nonceStr}\n${pay.package}\n`, pay.paySign)).toBe(true);
    expect(await req(Subjects.pay.keys(MCHID))).toEqual({ keys: [{ id: publicKeyId, publicKey: expect.stringContaining('BEGIN PUBLIC KEY') }] });
    expect((await req(Subjects.pay.sign('1234'), { method: 'GET', url: '/v3/x' })).error.reason).toBe('CREDENTIAL_NOT_FOUND');
  });

  it('downloads platform certificates before answering merchant.put in certificate mode, and picks up a rotation on refresh', async () => {
    expect(await req(Subjects.admin.merchantPut, { mchid: CERT_MCHID, serialNo: SERIAL, privateKey: PRIVATE_KEY, apiV3Key: API_V3_KEY })).toEqual({ ok: true });
    const first = await req(Subjects.pay.keys(CERT_MCHID));
    const signing = await sb.state.pay.keys.signingCertificate();
    expect(first.keys.map((k: { id: string }) => k.id)).toEqual([signing.serialNo]);
    const wrongKey = await req(Subjects.admin.merchantPut, { mchid: '1900009199', serialNo: SERIAL, privateKey: PRIVATE_KEY, apiV3Key: API_V3_KEY });
    expect(wrongKey.error).toMatchObject({ reason: 'BAD_REQUEST', message: expect.stringContaining('refused the signature') });

    const rotated = await sb.state.pay.keys.rotate(true);
    const after = await req(Subjects.pay.keys(CERT_MCHID), { refresh: true });
    expect(after.keys.map((k: { id: string }) => k.id).sort()).toEqual([signing.serialNo, rotated.serialNo].sort());
    const list = await req(Subjects.admin.credentialsList);
    expect(list).toEqual(
      expect.arrayContaining([
        { kind: 'merchant', mchid: MCHID, status: 'ok', mode: 'public_key' },
        { kind: 'merchant', mchid: CERT_MCHID, status: 'ok', mode: 'certificate' },
      ]),
    );
  });

  it("publishes the sandbox's payment notification to wxgate.events.pay.<mchid>.TRANSACTION.SUCCESS with the notification id as message id, answering 204", async () => {
    const before = await payEvents();
    const paid = (await fetch(`${sb.url}/__sandbox/pay/transactions/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mchid: MCHID, outTradeNo: 'T-e2e-1' }),
    }).then((r) => r.json())) as Json;
    const delivery = await waitFor(() => sb.state.pay.notifications.get(paid.notificationId)?.delivered && sb.state.pay.notifications.get(paid.notificationId), { what: 'delivery' });
    expect(delivery).toMatchObject({ attempts: 1, lastResult: 'HTTP 204' });
    expect(await payEvents()).toBe(before + 1);
    const msg = (await jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj: `wxgate.events.pay.${MCHID}.TRANSACTION.SUCCESS` }))!;
    expect(msg.header?.get('Nats-Msg-Id')).toBe(paid.notificationId);
    expect(msg.json()).toEqual({
      id: paid.notificationId,
      createTime: expect.stringMatching(/\+08:00$/),
      eventType: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: expect.objectContaining({ mchid: MCHID, out_trade_no: 'T-e2e-1', trade_state: 'SUCCESS', transaction_id: paid.transactionId }),
    });
  });

  it('publishes a re-sent notification once', async () => {
    const before = await payEvents();
    const n = notification({ id: 'EV-resent-1' });
    expect((await post(MCHID, n)).status).toBe(204);
    expect((await post(MCHID, notification({ id: 'EV-resent-1' }))).status).toBe(204);
    expect(await payEvents()).toBe(before + 1);
  });

  it('answers every bad notification as WeChat Pay expects and publishes nothing of it', async () => {
    const before = await payEvents();
    const expectFail = async (mchid: string, n: { body: string; headers: Record<string, string> }, status: number) => {
      const reply = await post(mchid, n);
      expect(reply.status).toBe(status);
      expect(JSON.parse(reply.text)).toEqual({ code: 'FAIL', message: expect.any(String) });
    };
    await expectFail(MCHID, notification({ tamper: (b) => b.replace('支付成功', '支付失败') }), 401);
    await expectFail(MCHID, notification({ signature: (s) => `WECHATPAY/SIGNTEST/${s}` }), 401);
    await expectFail(MCHID, notification({ timestamp: String(Math.floor(Date.now() / 1000) - 301) }), 401);
    await expectFail(MCHID, { body: notification().body, headers: {} }, 401);
    await expectFail(MCHID, notification({ apiV3Key: 'anotherApiV3Key_0123456789abcdef' }), 400);
    await expectFail(MCHID, notification({ plaintext: 'not json' }), 400);
    await expectFail(MCHID, notification({ eventType: 'BAD EVENT' }), 400);
    const big = notification({ plaintext: JSON.stringify({ pad: 'x'.repeat(70_000) }) });
    await expectFail(MCHID, big, 413);
    expect((await post('1234567', notification())).status).toBe(404);
    const probe = await fetch(`${sb.url}/__sandbox/pay/notifications/probe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mchid: MCHID, url: notifyUrl(MCHID) }),
    }).then((r) => r.json() as Promise<Json>);
    expect(probe.status).toBe(401);
    expect(await payEvents()).toBe(before);
  });

  it('keeps the merchant key and APIv3 key out of logs, replies and the database file', async () => {
    const dataDir = path.join(refresher.cwd, 'data');
    for (const file of readdirSync(dataDir).filter((f) => f.endsWith('.sqlite') || f.endsWith('-wal'))) {
      const bytes = readFileSync(path.join(dataDir, file)).toString('latin1');
      expect(bytes).not.toContain(KEY_LINE);
      expect(bytes).not.toContain(API_V3_KEY);
    }
    const metrics = await fetch(`http://127.0.0.1:${refresher.adminPort}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/wxgate_pay_notifications_total\{outcome="published"\} [1-9]/);
    for (const text of [refresher.output(), metrics, JSON.stringify(await req(Subjects.admin.credentialsList))]) {
      expect(text).not.toContain(KEY_LINE);
      expect(text).not.toContain(API_V3_KEY);
    }
    expect(parsePublicKey(publicKey)).toBeDefined();
  });

  it('answers 500 while JetStream cannot take the notification, so WeChat Pay re-sends', async () => {
    await nc.close();
    await nats.stop();
    const reply = await post(MCHID, notification());
    expect(reply.status).toBe(500);
    expect(JSON.parse(reply.text)).toEqual({ code: 'FAIL', message: expect.any(String) });
  });
});
