import { createSign, createVerify, createCipheriv, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  buildAuthorization,
  decryptResource,
  encryptResource,
  jsapiPayParams,
  parseAuthorization,
  parsePlatformCertificate,
  parsePrivateKey,
  parsePublicKey,
  signAnswer,
  signatureHeadersFrom,
  signSha256Rsa,
  verifyAnswerSignature,
  verifyRequestAuthorization,
  verifySha256Rsa,
  WechatPayCryptoError,
} from './index.js';
import {
  GO_NOTIFY_BODY,
  GO_NOTIFY_CERTIFICATE,
  GO_NOTIFY_HEADERS,
  GO_NOTIFY_NOW_MS,
  GO_PUBKEY_ID,
  GO_PUBLIC_KEY,
  GO_SIGNER_MESSAGE,
  GO_SIGNER_PRIVATE_KEY,
  GO_SIGNER_SIGNATURE,
  JAVA_AEAD,
} from './testing/published-vectors.js';
import { ClientGone } from '../../platform/src/capped-body.js';
import { WechatPayApiClient } from './api-client.js';

// The independent implementation: Node's crypto driven directly, with keys generated here.
const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
const independentSign = (key: KeyObject, message: string) => createSign('RSA-SHA256').update(message, 'utf8').sign(key, 'base64');
const independentVerify = (key: KeyObject, message: string, sig: string) =>
  createVerify('RSA-SHA256').update(message, 'utf8').verify(key, sig, 'base64');

describe('request signature', () => {
  it('signs the five-line message with SHA256withRSA, as the official Go SDK does (published vector)', () => {
    const key = parsePrivateKey(GO_SIGNER_PRIVATE_KEY);
    expect(signSha256Rsa(key, GO_SIGNER_MESSAGE)).toBe(GO_SIGNER_SIGNATURE);
  });

  it('builds an Authorization header that an independent verifier accepts over method, url, timestamp, nonce and body', () => {
    const body = '{"appid":"wxd678efh567hg6787","description":"Image形象店-深圳腾大-QQ公仔"}';
    const header = buildAuthorization(
      { mchid: '1900009191', serialNo: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C', privateKey: merchant.privateKey },
      { method: 'POST', url: '/v3/pay/transactions/jsapi', body },
      { timestamp: '1554208460', nonce: '593BEC0C930BF1AFEB40B4A08C8FB242' },
    );
    expect(header).toMatch(
      /^WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",signature="[A-Za-z0-9+/=]+",timestamp="1554208460",serial_no="1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"$/,
    );
    const signature = /signature="([^"]+)"/.exec(header)![1]!;
    const message = `POST\n/v3/pay/transactions/jsapi\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n${body}\n`;
    expect(independentVerify(merchant.publicKey, message, signature)).toBe(true);
    expect(signature).toBe(independentSign(merchant.privateKey, message));
  });

  it('signs a GET with an empty body line and the query exactly as sent', () => {
    const url = '/v3/pay/transactions/out-trade-no/1217752501201407033233368018?mchid=1230000109';
    const header = buildAuthorization({ mchid: '1230000109', serialNo: 'S', privateKey: merchant.privateKey }, { method: 'GET', url, body: '' }, { timestamp: '1', nonce: 'N' });
    const signature = parseAuthorization(header)!.signature;
    expect(independentVerify(merchant.publicKey, `GET\n${url}\n1\nN\n\n`, signature)).toBe(true);
  });

  it('lets the receiving side reject a body changed by one byte and a stale timestamp', () => {
    const now = Date.now();
    const ts = String(Math.floor(now / 1000));
    const body = '{"amount":{"total":100}}';
    const params = parseAuthorization(
      buildAuthorization({ mchid: '1', serialNo: 'S', privateKey: merchant.privateKey }, { method: 'POST', url: '/v3/x', body }, { timestamp: ts }),
    )!;
    expect(verifyRequestAuthorization(params, { method: 'POST', url: '/v3/x', body }, merchant.publicKey, now)).toBe('ok');
    expect(verifyRequestAuthorization(params, { method: 'POST', url: '/v3/x', body: body.replace('100', '101') }, merchant.publicKey, now)).toBe('BAD_SIGNATURE');
    expect(verifyRequestAuthorization(params, { method: 'POST', url: '/v3/y', body }, merchant.publicKey, now)).toBe('BAD_SIGNATURE');
    expect(verifyRequestAuthorization(params, { method: 'POST', url: '/v3/x', body }, merchant.publicKey, now + 301_000)).toBe('STALE_TIMESTAMP');
  });

  it('does not read another scheme or a header missing a field as WeChat Pay authorization', () => {
    expect(parseAuthorization('Bearer abc')).toBeUndefined();
    expect(parseAuthorization('WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="1",serial_no="s"')).toBeUndefined();
  });
});

describe('answer and notification signature', () => {
  it('verifies the official Go SDK notification with its platform certificate (published vector)', () => {
    const cert = parsePlatformCertificate(GO_NOTIFY_CERTIFICATE);
    expect(cert.serialNo).toBe('D7CE59D1F522D701');
    const keys = (serial: string) => (serial === cert.serialNo ? cert.publicKey : undefined);
    const headers = signatureHeadersFrom(GO_NOTIFY_HEADERS);
    expect(verifyAnswerSignature(headers, GO_NOTIFY_BODY, keys, GO_NOTIFY_NOW_MS)).toEqual({ ok: true, serial: 'D7CE59D1F522D701' });
    expect(verifyAnswerSignature(headers, GO_NOTIFY_BODY.replace('签约成功', '签约失败'), keys, GO_NOTIFY_NOW_MS).ok).toBe(false);
  });

  it('verifies with a WeChat Pay public key in public-key mode (published Go SDK key and signature)', () => {
    const key = parsePublicKey(GO_PUBLIC_KEY);
    expect(verifySha256Rsa(key, GO_SIGNER_MESSAGE, GO_SIGNER_SIGNATURE)).toBe(true);
    expect(verifySha256Rsa(key, 'wrong source', GO_SIGNER_SIGNATURE)).toBe(false);
    expect(GO_PUBKEY_ID).toMatch(/^[0-9A-F]+$/);
  });

  it('accepts a signature an independent signer made over timestamp, nonce and body, and names the failure otherwise', () => {
    const now = 1_700_000_000_000;
    const body = '{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}';
    const sig = independentSign(platform.privateKey, `1700000000\nnonce-1\n${body}\n`);
    const headers = { timestamp: '1700000000', nonce: 'nonce-1', signature: sig, serial: 'PUB_KEY_ID_0114232', signatureType: 'WECHATPAY2-SHA256-RSA2048' };
    const keys = (id: string) => (id === 'PUB_KEY_ID_0114232' ? platform.publicKey : undefined);
    expect(verifyAnswerSignature(headers, body, keys, now).ok).toBe(true);
    expect(verifyAnswerSignature(headers, `${body} `, keys, now)).toMatchObject({ ok: false, failure: 'BAD_SIGNATURE' });
    expect(verifyAnswerSignature({ ...headers, serial: 'PUB_KEY_ID_other' }, body, keys, now)).toMatchObject({ ok: false, failure: 'UNKNOWN_SERIAL' });
    expect(verifyAnswerSignature(headers, body, keys, now + 301_000)).toMatchObject({ ok: false, failure: 'STALE_TIMESTAMP' });
    expect(verifyAnswerSignature(undefined, body, keys, now)).toMatchObject({ ok: false, failure: 'MISSING_HEADERS' });
  });

  it('verifies an empty body as an empty line', () => {
    const sig = independentSign(platform.privateKey, '1700000000\nn\n\n');
    const keys = () => platform.publicKey;
    expect(verifyAnswerSignature({ timestamp: '1700000000', nonce: 'n', signature: sig, serial: 's' }, '', keys, 1_700_000_000_000).ok).toBe(true);
  });

  it('never verifies a WECHATPAY/SIGNTEST/ probe, even one that is a valid signature after the prefix', () => {
    const body = '{}';
    const probe = `WECHATPAY/SIGNTEST/${independentSign(platform.privateKey, `1700000000\nn\n${body}\n`)}`;
    const verdict = verifyAnswerSignature({ timestamp: '1700000000', nonce: 'n', signature: probe, serial: 's' }, body, () => platform.publicKey, 1_700_000_000_000);
    expect(verdict).toMatchObject({ ok: false, failure: 'SIGNTEST' });
    expect(verifySha256Rsa(platform.publicKey, body, probe)).toBe(false);
  });

  it('produces answer headers an independent verifier accepts', () => {
    const body = Buffer.from('{"prepay_id":"wx201410272009395522657a690389285100"}');
    const h = signAnswer(platform.privateKey, 'PUB_KEY_ID_1', body, { timestamp: '1700000000', nonce: 'abc' });
    expect(independentVerify(platform.publicKey, `1700000000\nabc\n${body.toString()}\n`, h['wechatpay-signature']!)).toBe(true);
    expect(h['wechatpay-serial']).toBe('PUB_KEY_ID_1');
  });
});

describe('AEAD_AES_256_GCM resource decryption', () => {
  it('decrypts and re-encrypts the official Java SDK vector (published vector)', () => {
    const resource = { algorithm: 'AEAD_AES_256_GCM', ciphertext: JAVA_AEAD.ciphertext, nonce: JAVA_AEAD.nonce, associated_data: JAVA_AEAD.associatedData };
    expect(decryptResource(JAVA_AEAD.apiV3Key, resource)).toBe(JAVA_AEAD.plaintext);
    expect(encryptResource(JAVA_AEAD.apiV3Key, JAVA_AEAD.plaintext, { nonce: JAVA_AEAD.nonce, associatedData: JAVA_AEAD.associatedData }).ciphertext).toBe(
      JAVA_AEAD.ciphertext,
    );
  });

  it('decrypts what an independent AES-256-GCM encryption produced, tag appended', () => {
    const key = 'abcdefghijklmnopqrstuvwxyz012345';
    const plaintext = '{"out_trade_no":"1217752501201407033233368018","trade_state":"SUCCESS"}';
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(key), Buffer.from('fdasflkja484'));
    cipher.setAAD(Buffer.from('transaction'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
    expect(decryptResource(key, { algorithm: 'AEAD_AES_256_GCM', ciphertext: ct, nonce: 'fdasflkja484', associated_data: 'transaction' })).toBe(plaintext);
  });

  it('refuses a wrong key, changed associated data, another algorithm and a short key with a reason and no plaintext', () => {
    const enc = encryptResource(JAVA_AEAD.apiV3Key, 'secret', { associatedData: 'transaction' });
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(WechatPayCryptoError);
        expect((e as Error).message).not.toContain('secret');
        return (e as WechatPayCryptoError).code;
      }
      return 'no error';
    };
    expect(code(() => decryptResource('b7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb', enc))).toBe('DECRYPT_FAILED');
    expect(code(() => decryptResource(JAVA_AEAD.apiV3Key, { ...enc, associated_data: 'certificate' }))).toBe('DECRYPT_FAILED');
    expect(code(() => decryptResource(JAVA_AEAD.apiV3Key, { ...enc, algorithm: 'AEAD_SM4_GCM' }))).toBe('BAD_RESOURCE');
    expect(code(() => decryptResource('short', enc))).toBe('BAD_API_V3_KEY');
  });
});

describe('JSAPI paySign', () => {
  it('signs appId, timeStamp, nonceStr and package lines with the merchant key (published Go SDK key)', () => {
    const key = parsePrivateKey(GO_SIGNER_PRIVATE_KEY);
    const p = jsapiPayParams(key, 'wx8888888888888888', 'wx201410272009395522657a690389285100', { timeStamp: '1414561699', nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS' });
    expect(p).toMatchObject({ timeStamp: '1414561699', nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS', package: 'prepay_id=wx201410272009395522657a690389285100', signType: 'RSA' });
    const message = 'wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n';
    expect(p.paySign).toBe(independentSign(key, message));
    expect(independentVerify(parsePublicKey(GO_PUBLIC_KEY), message, p.paySign)).toBe(true);
  });
});

describe('keys', () => {
  it('rejects what is not an RSA private key of 2048 bits or more without echoing it', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => parsePrivateKey('-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----')).toThrow(WechatPayCryptoError);
    expect(() => parsePrivateKey(ec)).toThrow(/RSA key of at least 2048 bits/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => parsePrivateKey(small)).toThrow(/2048/);
  });
});

describe('WechatPayApiClient answers', () => {
  const signer = { mchid: '1900009191', serialNo: 'S', privateKey: merchant.privateKey };
  const serve = async (handler: (res: import('node:http').ServerResponse) => void) => {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      req.resume();
      handler(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as import('node:net').AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
    };
  };

  it('refuses an answer over 1 MiB (RESPONSE_TOO_LARGE) and times out on a stalled one', async () => {
    const huge = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"data":"${'x'.repeat(1024 * 1024)}"}`);
    });
    const stalls = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":');
    });
    try {
      const tooLarge = new WechatPayApiClient({ baseUrl: huge.url, timeoutMs: 2_000 });
      await expect(tooLarge.downloadCertificates(signer, 'k'.repeat(32))).rejects.toMatchObject({ causeCode: 'RESPONSE_TOO_LARGE' });
      await tooLarge.close();
      const stalled = new WechatPayApiClient({ baseUrl: stalls.url, timeoutMs: 300 });
      // The stream's own error, as before the capped reader: the caller classifies it by its code or name.
      const err = await stalled.downloadCertificates(signer, 'k'.repeat(32)).catch((e: unknown) => e as Error);
      expect(err).not.toBeInstanceOf(ClientGone);
      expect((err as Error).name).toBe('TimeoutError');
      await stalled.close();
    } finally {
      await huge.close();
      await stalls.close();
    }
  });
});
