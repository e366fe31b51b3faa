import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildAuthorization,
  decryptResource,
  parsePlatformCertificate,
  parsePublicKey,
  signatureHeadersFrom,
  verifyAnswerSignature,
  type KeyLookup,
} from '@wxgate/wechatpay';
import { createSandbox, type Sandbox } from '../apps/wechat-sandbox/src/sandbox.js';

const MCHID = '1900009191';
const SERIAL = '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C';
const API_V3_KEY = 'sandboxApiV3Key0123456789abcdefg';
const merchantKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signer = { mchid: MCHID, serialNo: SERIAL, privateKey: merchantKeys.privateKey };

interface PayReply {
  status: number;
  headers: Record<string, string>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- WeChat Pay answers are asserted field by field
  json: any;
}

async function payCall(sb: Sandbox, method: string, url: string, body?: unknown, opts: { tamper?: (s: string) => string } = {}): Promise<PayReply> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const authorization = buildAuthorization(signer, { method, url, body: text });
  const res = await fetch(`${sb.url}${url}`, {
    method,
    headers: { authorization, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : (opts.tamper ?? ((s) => s))(text),
  });
  const answer = await res.text();
  return { status: res.status, headers: Object.fromEntries(res.headers), text: answer, json: answer ? JSON.parse(answer) : undefined };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- sandbox admin answers are asserted field by field
async function admin(sb: Sandbox, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${sb.url}/__sandbox/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A merchant's notify_url that fails the first `failures` deliveries. */
async function notifyReceiver(failures: number): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (received.length <= failures) res.writeHead(500, { 'content-type': 'application/json' }).end('{"code":"FAIL","message":"busy"}');
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/wechatpay/notify/${MCHID}`,
    received,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const merchantPem = merchantKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('wechat-sandbox as WeChat Pay', () => {
  let sb: Sandbox;
  let platformKeys: KeyLookup;

  beforeAll(async () => {
    sb = await createSandbox({ knobs: { payNotifyScale: 0.0005, callbackTimeoutMs: 2000 } });
    const reg = await admin(sb, 'pay/merchants', { mchid: MCHID, serialNo: SERIAL, publicKey: merchantPem, apiV3Key: API_V3_KEY });
    expect(reg.json.publicKeyId).toMatch(/^PUB_KEY_ID_/);
    const key = parsePublicKey(reg.json.publicKey);
    platformKeys = (serial) => (serial === reg.json.publicKeyId ? key : undefined);
  });
  afterAll(() => sb.close());

  const jsapiOrder = (outTradeNo: string, notifyUrl: string) => ({
    appid: 'wxd678efh567hg6787',
    mchid: MCHID,
    description: 'Image形象店-深圳腾大-QQ公仔',
    out_trade_no: outTradeNo,
    notify_url: notifyUrl,
    amount: { total: 100, currency: 'CNY' },
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  });

  it('creates a JSAPI order for a correctly signed request and signs its answer with the WeChat Pay public key', async () => {
    const reply = await payCall(sb, 'POST', '/v3/pay/transactions/jsapi', jsapiOrder('T-sign-1', 'https://m.example.com/notify'));
    expect(reply.status).toBe(200);
    expect(reply.json.prepay_id).toMatch(/^wx/);
    expect(verifyAnswerSignature(signatureHeadersFrom(reply.headers), reply.text, platformKeys)).toMatchObject({ ok: true });
  });

  it('answers 401 SIGN_ERROR, unsigned, when the body differs from the signed one by one byte or the header is missing', async () => {
    const tampered = await payCall(sb, 'POST', '/v3/pay/transactions/jsapi', jsapiOrder('T-sign-2', 'https://m.example.com/notify'), {
      tamper: (s) => s.replace('"total":100', '"total":101'),
    });
    expect(tampered.status).toBe(401);
    expect(tampered.json.code).toBe('SIGN_ERROR');
    expect(tampered.headers['wechatpay-signature']).toBeUndefined();
    const bare = await fetch(`${sb.url}/v3/pay/transactions/out-trade-no/T-sign-1?mchid=${MCHID}`);
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { code: string }).code).toBe('SIGN_ERROR');
  });

  it('spoils the next answer signature on request, so forged answers can be tested', async () => {
    await admin(sb, 'pay/faults', { kind: 'forged', count: 1 });
    const forged = await payCall(sb, 'GET', `/v3/pay/transactions/out-trade-no/T-sign-1?mchid=${MCHID}`);
    expect(verifyAnswerSignature(signatureHeadersFrom(forged.headers), forged.text, platformKeys)).toMatchObject({ ok: false, failure: 'BAD_SIGNATURE' });
    const next = await payCall(sb, 'GET', `/v3/pay/transactions/out-trade-no/T-sign-1?mchid=${MCHID}`);
    expect(verifyAnswerSignature(signatureHeadersFrom(next.headers), next.text, platformKeys).ok).toBe(true);
  });

  it('serves platform certificates encrypted with the APIv3 key and rotates them with overlap (certificate mode)', async () => {
    const mchid = '1900000002';
    await admin(sb, 'pay/merchants', { mchid, serialNo: 'CERTMODE', publicKey: merchantPem, apiV3Key: API_V3_KEY, mode: 'certificate' });
    const certSigner = { mchid, serialNo: 'CERTMODE', privateKey: merchantKeys.privateKey };
    const fetchCerts = async () => {
      const res = await fetch(`${sb.url}/v3/certificates`, { headers: { authorization: buildAuthorization(certSigner, { method: 'GET', url: '/v3/certificates', body: '' }) } });
      const text = await res.text();
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const data = (JSON.parse(text).data as any[]).map((d) => parsePlatformCertificate(decryptResource(API_V3_KEY, d.encrypt_certificate)));
      const lookup: KeyLookup = (serial) => data.find((c) => c.serialNo === serial)?.publicKey;
      return { data, headers: Object.fromEntries(res.headers), text, lookup };
    };
    const first = await fetchCerts();
    expect(first.data).toHaveLength(1);
    expect(first.headers['wechatpay-serial']).toBe(first.data[0]!.serialNo);
    expect(verifyAnswerSignature(signatureHeadersFrom(first.headers), first.text, first.lookup).ok).toBe(true);

    const { json: rotated } = await admin(sb, 'pay/certificates/rotate', { activate: true });
    const second = await fetchCerts();
    expect(second.data.map((c) => c.serialNo).sort()).toEqual([first.data[0]!.serialNo, rotated.serialNo].sort());
    expect(second.headers['wechatpay-serial']).toBe(rotated.serialNo);
    expect(verifyAnswerSignature(signatureHeadersFrom(second.headers), second.text, first.lookup)).toMatchObject({ ok: false, failure: 'UNKNOWN_SERIAL' });
    expect(verifyAnswerSignature(signatureHeadersFrom(second.headers), second.text, second.lookup).ok).toBe(true);
    expect((await admin(sb, 'pay/certificates/retire', { serialNo: first.data[0]!.serialNo })).status).toBe(200);
    expect((await fetchCerts()).data.map((c) => c.serialNo)).toEqual([rotated.serialNo]);
  });

  it('runs order → pay → notify (re-sent until 204, same id) → query → refund → notify', async () => {
    const receiver = await notifyReceiver(2);
    try {
      const order = await payCall(sb, 'POST', '/v3/pay/transactions/jsapi', jsapiOrder('T-cycle-1', receiver.url));
      expect(order.status).toBe(200);
      const paid = await admin(sb, 'pay/transactions/pay', { mchid: MCHID, outTradeNo: 'T-cycle-1' });
      expect(paid.status).toBe(200);
      await waitFor(() => receiver.received.length >= 3, 'the third delivery');
      const ids = receiver.received.map((r) => JSON.parse(r.body).id);
      expect(new Set(ids)).toEqual(new Set([paid.json.notificationId]));
      for (const r of receiver.received) {
        expect(verifyAnswerSignature(signatureHeadersFrom(r.headers), r.body, platformKeys).ok).toBe(true);
      }
      const notification = JSON.parse(receiver.received[0]!.body);
      expect(notification).toMatchObject({ event_type: 'TRANSACTION.SUCCESS', resource_type: 'encrypt-resource', resource: { algorithm: 'AEAD_AES_256_GCM', original_type: 'transaction' } });
      const transaction = JSON.parse(decryptResource(API_V3_KEY, notification.resource));
      expect(transaction).toMatchObject({ mchid: MCHID, out_trade_no: 'T-cycle-1', trade_state: 'SUCCESS', transaction_id: paid.json.transactionId, amount: { total: 100 } });
      const delivery = (await admin(sb, 'pay/notifications')).json.notifications.find((n: { id: string }) => n.id === paid.json.notificationId);
      expect(delivery).toMatchObject({ attempts: 3, delivered: true });

      const byId = await payCall(sb, 'GET', `/v3/pay/transactions/id/${paid.json.transactionId}?mchid=${MCHID}`);
      expect(byId.json).toMatchObject({ out_trade_no: 'T-cycle-1', trade_state: 'SUCCESS' });
      expect((await payCall(sb, 'POST', '/v3/pay/transactions/out-trade-no/T-cycle-1/close', { mchid: MCHID })).json.code).toBe('ORDERPAID');

      const refund = await payCall(sb, 'POST', '/v3/refund/domestic/refunds', {
        transaction_id: paid.json.transactionId,
        out_refund_no: 'R-cycle-1',
        amount: { refund: 60, total: 100, currency: 'CNY' },
      });
      expect(refund.json).toMatchObject({ out_refund_no: 'R-cycle-1', status: 'PROCESSING', amount: { refund: 60 } });
      await waitFor(() => receiver.received.find((r) => JSON.parse(r.body).event_type === 'REFUND.SUCCESS'), 'the refund notification');
      const refundNote = JSON.parse(receiver.received.find((r) => JSON.parse(r.body).event_type === 'REFUND.SUCCESS')!.body);
      expect(JSON.parse(decryptResource(API_V3_KEY, refundNote.resource))).toMatchObject({ out_refund_no: 'R-cycle-1', refund_status: 'SUCCESS' });
      expect((await payCall(sb, 'GET', '/v3/refund/domestic/refunds/R-cycle-1')).json.status).toBe('SUCCESS');
      const over = await payCall(sb, 'POST', '/v3/refund/domestic/refunds', { out_trade_no: 'T-cycle-1', out_refund_no: 'R-cycle-2', amount: { refund: 50, total: 100, currency: 'CNY' } });
      expect(over).toMatchObject({ status: 403, json: { code: 'NOT_ENOUGH' } });
    } finally {
      await receiver.close();
    }
  });

  it('creates a Native order with a code_url, and closes an unpaid order', async () => {
    const native = await payCall(sb, 'POST', '/v3/pay/transactions/native', { ...jsapiOrder('T-native-1', 'https://m.example.com/n'), payer: undefined });
    expect(native.json.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    const closed = await payCall(sb, 'POST', '/v3/pay/transactions/out-trade-no/T-native-1/close', { mchid: MCHID });
    expect(closed.status).toBe(204);
    expect(verifyAnswerSignature(signatureHeadersFrom(closed.headers), '', platformKeys).ok).toBe(true);
    expect((await payCall(sb, 'GET', `/v3/pay/transactions/out-trade-no/T-native-1?mchid=${MCHID}`)).json.trade_state).toBe('CLOSED');
    expect((await payCall(sb, 'GET', `/v3/pay/transactions/out-trade-no/nope?mchid=${MCHID}`))).toMatchObject({ status: 404, json: { code: 'ORDER_NOT_EXIST' } });
  });
});
