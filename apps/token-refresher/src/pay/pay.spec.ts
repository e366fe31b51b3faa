import { createVerify, generateKeyPairSync } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { parseAuthorization, parsePlatformCertificate, requestSignatureMessage, WechatPayApiError, type DownloadedCertificate } from '@wxgate/wechatpay';
import { GO_NOTIFY_CERTIFICATE } from '../../../../libs/wechatpay/src/testing/published-vectors.js';
import { memoryDatabase, refresherKit } from '../testing/refresher-fakes.js';
import { MerchantKeyring } from './merchant-keyring.js';
import type { PayGateway } from './pay-gateway.js';
import { PutMerchant } from './put-merchant.usecase.js';
import { mergeCertificates, RefreshCertificates, ROTATION_OVERLAP_MS } from './refresh-certificates.usecase.js';
import { GetPayKeys } from './get-pay-keys.usecase.js';
import { SignJsapiPayment } from './sign-jsapi-payment.usecase.js';
import { SignPayRequest } from './sign-pay-request.usecase.js';

const MCHID = '1900009191';
const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKey = merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const API_V3_KEY = 'unitTestApiV3Key0123456789abcdef';
const publicKeyInput = {
  mchid: MCHID,
  serialNo: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C',
  privateKey,
  apiV3Key: API_V3_KEY,
  publicKeyId: 'PUB_KEY_ID_0119000091912025',
  publicKey: platform.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
};
const goCert = parsePlatformCertificate(GO_NOTIFY_CERTIFICATE);
const downloaded: DownloadedCertificate = { ...goCert, pem: GO_NOTIFY_CERTIFICATE };

class FakePayGateway {
  answer: DownloadedCertificate[] | Error = [downloaded];
  calls = 0;
  async downloadCertificates(): Promise<DownloadedCertificate[]> {
    this.calls++;
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }
}

describe('WeChat Pay merchants in the token-refresher', () => {
  let db: DataSource;
  let kit: ReturnType<typeof refresherKit>;
  let gateway: FakePayGateway;
  let keyring: MerchantKeyring;
  let put: PutMerchant;

  beforeEach(async () => {
    db = await memoryDatabase();
    kit = refresherKit(db);
    gateway = new FakePayGateway();
    keyring = new MerchantKeyring(kit.merchants, kit.asClock);
    put = new PutMerchant(kit.merchants, gateway as unknown as PayGateway, keyring, kit.asClock);
  });
  afterEach(() => db.destroy());

  it('stores the private key and APIv3 key sealed, and signs requests an independent verifier accepts', async () => {
    await put.execute(publicKeyInput);
    expect(gateway.calls).toBe(0);
    const raw = JSON.stringify(await db.query('SELECT * FROM refresher_merchants'));
    expect(raw).not.toContain(privateKey.split('\n')[1]);
    expect(raw).not.toContain(API_V3_KEY);

    const body = '{"appid":"wxd678efh567hg6787","mchid":"1900009191"}';
    const { authorization } = await new SignPayRequest(keyring).execute(MCHID, { method: 'POST', url: '/v3/pay/transactions/jsapi', body });
    const p = parseAuthorization(authorization)!;
    expect(p).toMatchObject({ mchid: MCHID, serialNo: publicKeyInput.serialNo });
    const message = requestSignatureMessage('POST', '/v3/pay/transactions/jsapi', p.timestamp, p.nonceStr, body);
    expect(createVerify('RSA-SHA256').update(message).verify(merchant.publicKey, p.signature, 'base64')).toBe(true);

    const pay = await new SignJsapiPayment(keyring).execute(MCHID, { appid: 'wxd678efh567hg6787', prepayId: 'wx2017' });
    const paySignMessage = `wxd678efh567hg6787\n${pay.timeStamp}\n${pay.nonceStr}\nprepay_id=wx2017\n`;
    expect(createVerify('RSA-SHA256').update(paySignMessage).verify(merchant.publicKey, pay.paySign, 'base64')).toBe(true);

    const refresh = new RefreshCertificates(kit.merchants, gateway as unknown as PayGateway, keyring, kit.asClock);
    expect(await new GetPayKeys(keyring, refresh).execute(MCHID, {})).toEqual({ keys: [{ id: publicKeyInput.publicKeyId, publicKey: publicKeyInput.publicKey }] });
  });

  it('refuses a key that does not parse or a short APIv3 key, storing nothing and echoing nothing', async () => {
    await expect(put.execute({ ...publicKeyInput, privateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----' })).rejects.toMatchObject({ reason: 'BAD_REQUEST', message: expect.stringMatching(/^privateKey/) });
    await expect(put.execute({ ...publicKeyInput, apiV3Key: 'x'.repeat(31) + '\u00e9' })).rejects.toMatchObject({ reason: 'BAD_REQUEST', message: expect.stringMatching(/^apiV3Key/) });
    expect(await kit.merchants.get(MCHID)).toBeUndefined();
    await expect(new SignPayRequest(keyring).execute(MCHID, { method: 'GET', url: '/v3/x', body: '' })).rejects.toMatchObject({ reason: 'CREDENTIAL_NOT_FOUND' });
  });

  it('downloads platform certificates before replying in certificate mode, and stores nothing when that fails', async () => {
    const { publicKeyId: _i, publicKey: _k, ...certificateInput } = publicKeyInput;
    gateway.answer = new WechatPayApiError('/v3/certificates', 'HTTP_ERROR', 401);
    await expect(put.execute(certificateInput)).rejects.toMatchObject({ reason: 'BAD_REQUEST', message: expect.stringContaining('refused the signature') });
    gateway.answer = new WechatPayApiError('/v3/certificates', 'ECONNREFUSED');
    await expect(put.execute(certificateInput)).rejects.toMatchObject({ reason: 'UPSTREAM_UNREACHABLE' });
    expect(await kit.merchants.get(MCHID)).toBeUndefined();

    gateway.answer = [downloaded];
    await put.execute(certificateInput);
    const refresh = new RefreshCertificates(kit.merchants, gateway as unknown as PayGateway, keyring, kit.asClock);
    const keys = await new GetPayKeys(keyring, refresh).execute(MCHID, {});
    expect(keys.keys.map((k) => k.id)).toEqual(['D7CE59D1F522D701']);
  });

  it('keeps a certificate WeChat Pay stopped listing for the rotation overlap, then drops it', () => {
    const now = 1_800_000_000_000;
    const old = { serialNo: 'OLD', pem: 'x', effectiveAt: 0, expiresAt: now + 10 * ROTATION_OVERLAP_MS, seenAt: now };
    const after = mergeCertificates([old], [downloaded], now + 1000);
    expect(after.map((c) => c.serialNo)).toEqual(['D7CE59D1F522D701', 'OLD']);
    expect(mergeCertificates(after, [downloaded], now + ROTATION_OVERLAP_MS + 1).map((c) => c.serialNo)).toEqual(['D7CE59D1F522D701']);
  });
});
