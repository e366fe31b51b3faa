/**
 * WeChat Pay without certificates, the whole way: a caller with no key sends plain v3 calls to the
 * forwarder, which signs them through the token-refresher, relays them to the sandbox's WeChat Pay
 * and relays only answers whose signature verifies; notifications land on JetStream. Real
 * processes, NATS, SQLite files and sockets.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import path from 'node:path';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { EVENTS_STREAM, Subjects } from '@wxgate/contracts';
import { verifySha256Rsa } from '@wxgate/wechatpay';
import { freePort, ROOT, tempDir, waitFor } from './support/harness.js';
import { putEnv, SYSTEM, startWxgateSystem, type WxgateSystem } from './support/wxgate-system.js';

const MCHID = '1900009191';
const SERIAL = '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C';
const API_V3_KEY = 'relayApiV3Key_0123456789abcdefgh';
const APPID = 'wxd678efh567hg6787';
const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY = merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const KEY_LINE = PRIVATE_KEY.split('\n')[10]!;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are asserted field by field
type Json = any;

describe('WeChat Pay through the forwarder', () => {
  let system: WxgateSystem;
  let jsm: JetStreamManager;
  let forwarder: Awaited<ReturnType<WxgateSystem['startForwarder']>>;
  let callbackPort: number;

  const pay = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${forwarder.base}${url}`, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: Object.fromEntries(res.headers), text, json: text ? (JSON.parse(text) as Json) : undefined };
  };
  const sandboxAdmin = (p: string, body: object) =>
    fetch(`${system.sandbox.url}/__sandbox/${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<Json>);
  const lastEvent = (subject: string) => jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj: subject }).catch(() => null);
  const order = (outTradeNo: string) => ({
    appid: APPID,
    mchid: MCHID,
    description: 'wxgate e2e',
    out_trade_no: outTradeNo,
    notify_url: `http://127.0.0.1:${callbackPort}/wechatpay/notify/${MCHID}`,
    amount: { total: 100, currency: 'CNY' },
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  });

  beforeAll(async () => {
    callbackPort = await freePort();
    system = await startWxgateSystem({ sandbox: { knobs: { payNotifyScale: 0.0005 } }, refresherEnv: { CALLBACK_PORT: String(callbackPort) } });
    jsm = await jetstreamManager(system.nc);
    const reg = await sandboxAdmin('pay/merchants', { mchid: MCHID, serialNo: SERIAL, publicKey: merchant.publicKey.export({ type: 'spki', format: 'pem' }).toString(), apiV3Key: API_V3_KEY });
    const put = await system.req(Subjects.admin.merchantPut, { mchid: MCHID, serialNo: SERIAL, privateKey: PRIVATE_KEY, apiV3Key: API_V3_KEY, publicKeyId: reg.publicKeyId, publicKey: reg.publicKey });
    expect(put).toEqual({ ok: true });
    await putEnv(system, {
      envId: 'shop',
      ownerAppid: SYSTEM.app.appid,
      ownerKind: 'app',
      paths: ['/v3/pay/transactions/jsapi', '/v3/pay/transactions/out-trade-no/{out_trade_no}', '/v3/pay/transactions/id/{transaction_id}', '/v3/refund/domestic/refunds'],
    });
    expect(await system.req(Subjects.admin.merchantBind, { envId: 'shop', mchid: MCHID })).toEqual({ ok: true });
    forwarder = await system.startForwarder({ ENV_ID: 'shop' });
  }, 90_000);

  afterAll(() => system?.stop());

  it('runs order → pay → notify → query → refund → notify with no key in the caller', async () => {
    const created = await pay('POST', '/v3/pay/transactions/jsapi', order('T-relay-1'));
    expect(created.status).toBe(200);
    expect(created.json.prepay_id).toMatch(/^wx/);
    expect(created.headers['wechatpay-signature']).toBeDefined();
    expect(created.headers['x-openapi-seqid']).toBeDefined();

    const params = (await system.req(Subjects.pay.jsapi(MCHID), { appid: APPID, prepayId: created.json.prepay_id })) as Json;
    expect(verifySha256Rsa(merchant.publicKey, `${APPID}\n${params.timeStamp}\n${params.nonceStr}\n${params.package}\n`, params.paySign)).toBe(true);

    const paid = await sandboxAdmin('pay/transactions/pay', { mchid: MCHID, outTradeNo: 'T-relay-1' });
    const event = await waitFor(() => lastEvent(`wxgate.events.pay.${MCHID}.TRANSACTION.SUCCESS`), { what: 'the payment event' });
    expect(event.json()).toMatchObject({ id: paid.notificationId, eventType: 'TRANSACTION.SUCCESS', resource: { out_trade_no: 'T-relay-1', trade_state: 'SUCCESS' } });

    const queried = await pay('GET', `/v3/pay/transactions/out-trade-no/T-relay-1?mchid=${MCHID}`);
    expect(queried).toMatchObject({ status: 200, json: { trade_state: 'SUCCESS', transaction_id: paid.transactionId } });

    const refund = await pay('POST', '/v3/refund/domestic/refunds', { transaction_id: paid.transactionId, out_refund_no: 'R-relay-1', amount: { refund: 100, total: 100, currency: 'CNY' } });
    expect(refund).toMatchObject({ status: 200, json: { out_refund_no: 'R-relay-1' } });
    const refunded = await waitFor(() => lastEvent(`wxgate.events.pay.${MCHID}.REFUND.SUCCESS`), { what: 'the refund event' });
    expect(refunded.json()).toMatchObject({ eventType: 'REFUND.SUCCESS', resource: { out_refund_no: 'R-relay-1', refund_status: 'SUCCESS' } });
  });

  it('relays an absolute-form call to api.mch.weixin.qq.com and tunnels CONNECT to it', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: forwarder.http, method: 'GET', path: `http://api.mch.weixin.qq.com/v3/pay/transactions/out-trade-no/T-relay-1?mchid=${MCHID}` }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).out_trade_no).toBe('T-relay-1');
    const head = await new Promise<string>((resolve, reject) => {
      const socket = connect(forwarder.http, '127.0.0.1', () => socket.write('CONNECT api.mch.weixin.qq.com:443 HTTP/1.1\r\nHost: api.mch.weixin.qq.com:443\r\n\r\n'));
      socket.once('data', (d) => {
        resolve(d.toString());
        socket.destroy();
      });
      socket.on('error', reject);
    });
    expect(head).toMatch(/^HTTP\/1\.1 200/);
  });

  it('refuses a 2xx answer whose signature does not verify (forged, missing, SIGNTEST) with 502 UPSTREAM_SIGNATURE_INVALID', async () => {
    for (const kind of ['forged', 'unsigned', 'signtest']) {
      await sandboxAdmin('pay/faults', { kind, count: 1 });
      const reply = await pay('GET', `/v3/pay/transactions/out-trade-no/T-relay-1?mchid=${MCHID}`);
      expect(reply.status).toBe(502);
      expect(reply.json).toEqual({ code: 'UPSTREAM_SIGNATURE_INVALID', message: expect.any(String) });
      expect(reply.text).not.toContain('T-relay-1');
    }
    expect((await pay('GET', `/v3/pay/transactions/out-trade-no/T-relay-1?mchid=${MCHID}`)).status).toBe(200);
  });

  it("answers wxgate's own errors in WeChat Pay's shape, and relays a request with its own Authorization as is", async () => {
    expect(await pay('GET', '/v3/merchant/fund/balance/BASIC')).toMatchObject({ status: 403, json: { code: 'PATH_NOT_ALLOWED' } });
    expect(await pay('POST', '/v3/pay/transactions/jsapi?from_mchid=1900000000', order('T-relay-2'))).toMatchObject({ status: 403, json: { code: 'MERCHANT_NOT_BOUND' } });
    expect(await pay('POST', '/v3/pay/transactions/jsapi', JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 1) }))).toMatchObject({ status: 413, json: { code: 'REQUEST_TOO_LARGE' } });
    expect(await pay('GET', '/v3/pay//x')).toMatchObject({ status: 400 });
    const own = await pay('GET', `/v3/merchant/fund/balance/BASIC`, undefined, { authorization: 'WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",signature="s",timestamp="1",serial_no="x"' });
    expect(own).toMatchObject({ status: 401, json: { code: 'SIGN_ERROR' } });
  });

  it('manages merchants with the CLI: add (APIv3 key from stdin), list, bind, check --pay, unbind, rm', async () => {
    const cli = (args: string[], stdin = '') =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [path.join(ROOT, 'bin/wxgate.js'), ...args], { env: { PATH: process.env.PATH, NATS_URL: system.nats.url }, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.stdin.end(stdin);
        child.once('close', (code) => resolve({ code, stdout, stderr }));
      });
    const dir = tempDir('wxgate-pay-cli-');
    const keyFile = path.join(dir.path, 'apiclient_key.pem');
    const pubFile = path.join(dir.path, 'pub_key.pem');
    writeFileSync(keyFile, PRIVATE_KEY);
    writeFileSync(pubFile, system.sandbox.state.pay.keys.publicKeyPem);
    const id = system.sandbox.state.pay.keys.publicKeyId;
    expect(await cli(['merchant', 'add', '1900000077', '--serial-no', SERIAL, '--key-file', keyFile, '--public-key-id', id, '--public-key-file', pubFile], `${API_V3_KEY}\n`)).toMatchObject({ code: 0 });
    const list = await cli(['--json', 'merchant', 'list']);
    expect(JSON.parse(list.stdout)).toEqual(expect.arrayContaining([{ kind: 'merchant', mchid: '1900000077', status: 'ok', mode: 'public_key' }]));
    expect((await cli(['merchant', 'bind', 'shop', '1900000077'])).code).toBe(0);
    expect((await cli(['check', 'shop', '/v3/pay/transactions/jsapi', '--pay'])).code).toBe(1);
    const named = await cli(['check', 'shop', '/v3/pay/transactions/out-trade-no/T-1', '--pay', '--from-mchid', '1900000077']);
    expect(named).toMatchObject({ code: 0, stdout: expect.stringContaining('merchant 1900000077') });
    expect((await cli(['merchant', 'unbind', 'shop', '1900000077'])).code).toBe(0);
    expect((await cli(['merchant', 'rm', '1900000077'])).code).toBe(0);
    expect((await cli(['merchant', 'rm', '1900000077'])).code).toBe(1);
    dir.remove();
  });

  it('verifies a certificate-mode merchant across a platform certificate rotation (unknown serial → keys refetched once)', async () => {
    const CERT_MCHID = '1900009193';
    await sandboxAdmin('pay/merchants', { mchid: CERT_MCHID, serialNo: SERIAL, publicKey: merchant.publicKey.export({ type: 'spki', format: 'pem' }).toString(), apiV3Key: API_V3_KEY, mode: 'certificate' });
    expect(await system.req(Subjects.admin.merchantPut, { mchid: CERT_MCHID, serialNo: SERIAL, privateKey: PRIVATE_KEY, apiV3Key: API_V3_KEY })).toEqual({ ok: true });
    expect(await system.req(Subjects.admin.merchantBind, { envId: 'shop', mchid: CERT_MCHID })).toEqual({ ok: true });
    const created = await waitFor(
      async () => {
        const r = await pay('POST', `/v3/pay/transactions/jsapi?from_mchid=${CERT_MCHID}`, { ...order('T-cert-1'), mchid: CERT_MCHID });
        return r.status === 200 ? r : undefined;
      },
      { what: 'the binding to reach the forwarder' },
    );
    const before = created.headers['wechatpay-serial'];
    const rotated = await system.sandbox.state.pay.keys.rotate(true);
    expect(rotated.serialNo).not.toBe(before);
    const after = await pay('GET', `/v3/pay/transactions/out-trade-no/T-cert-1?mchid=${CERT_MCHID}&from_mchid=${CERT_MCHID}`);
    expect(after.status).toBe(200);
    expect(after.headers['wechatpay-serial']).toBe(rotated.serialNo);
    expect(await system.req(Subjects.admin.merchantUnbind, { envId: 'shop', mchid: CERT_MCHID })).toEqual({ ok: true });
  });

  it('keeps the merchant key and APIv3 key out of every log, reply, metric and database file', async () => {
    const outputs = [system.refresher.output(), system.policy.output(), forwarder.proc.output()];
    const metrics = await Promise.all([system.refresher, system.policy, forwarder.proc].map((p) => fetch(`http://127.0.0.1:${p.adminPort}/metrics`).then((r) => r.text())));
    const files = [system.refresher.cwd, system.policy.cwd].flatMap((cwd) => {
      const dir = path.join(cwd, 'data');
      return readdirSync(dir).filter((f) => /\.sqlite(-wal)?$/.test(f)).map((f) => readFileSync(path.join(dir, f)).toString('latin1'));
    });
    expect(files.length).toBeGreaterThan(0);
    for (const text of [...outputs, ...metrics, ...files, JSON.stringify(await system.req(Subjects.admin.credentialsList))]) {
      expect(text).not.toContain(KEY_LINE);
      expect(text).not.toContain(API_V3_KEY);
    }
  });
});
