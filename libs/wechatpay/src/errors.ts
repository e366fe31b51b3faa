export type WechatPayCryptoErrorCode = 'BAD_KEY' | 'BAD_CERTIFICATE' | 'BAD_API_V3_KEY' | 'BAD_RESOURCE' | 'DECRYPT_FAILED';

/** Its message names what is wrong, never the key or plaintext involved. */
export class WechatPayCryptoError extends Error {
  constructor(
    readonly code: WechatPayCryptoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WechatPayCryptoError';
  }
}
