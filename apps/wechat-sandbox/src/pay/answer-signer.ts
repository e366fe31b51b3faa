import { signAnswer } from '@wxgate/wechatpay';
import type { PlatformKeys } from './platform-keys.js';
import type { Merchant } from './pay-store.js';

export type AnswerFault = 'unsigned' | 'forged' | 'signtest' | 'unknown-serial';

/**
 * Signs answers and notifications with the key of the merchant's mode. Faults (set through the
 * admin API) spoil the next N signatures, so tests can prove forged answers are refused.
 */
export class AnswerSigner {
  #fault: { kind: AnswerFault; remaining: number } | undefined;

  constructor(private readonly keys: PlatformKeys) {}

  setFault(kind: AnswerFault, count: number): void {
    this.#fault = count > 0 ? { kind, remaining: count } : undefined;
  }

  async headers(merchant: Merchant, body: string | Buffer): Promise<Record<string, string>> {
    const { key, serial } =
      merchant.mode === 'publicKey'
        ? { key: this.keys.privateKey, serial: this.keys.publicKeyId }
        : await this.keys.signingCertificate().then((c) => ({ key: c.privateKey, serial: c.serialNo }));
    const headers = signAnswer(key, serial, body);
    const fault = this.#fault;
    if (!fault) return headers;
    if (--fault.remaining <= 0) this.#fault = undefined;
    switch (fault.kind) {
      case 'unsigned':
        return {};
      case 'forged': {
        const sig = Buffer.from(headers['wechatpay-signature']!, 'base64');
        sig[0] = sig[0]! ^ 0xff;
        return { ...headers, 'wechatpay-signature': sig.toString('base64') };
      }
      case 'signtest':
        return { ...headers, 'wechatpay-signature': `WECHATPAY/SIGNTEST/${headers['wechatpay-signature']}` };
      case 'unknown-serial':
        return { ...headers, 'wechatpay-serial': 'PUB_KEY_ID_0000000000000000000000' };
    }
  }
}
