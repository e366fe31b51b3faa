import type { KeyObject } from 'node:crypto';
import { epochSeconds, jsapiSignatureMessage, payNonce, signSha256Rsa } from './signature.js';

/** What `wx.requestPayment` takes for a JSAPI / mini-program payment. */
export interface JsapiPayParams {
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}

export function jsapiPayParams(
  privateKey: KeyObject,
  appid: string,
  prepayId: string,
  opts: { timeStamp?: string; nonceStr?: string } = {},
): JsapiPayParams {
  const timeStamp = opts.timeStamp ?? epochSeconds();
  const nonceStr = opts.nonceStr ?? payNonce();
  const pkg = `prepay_id=${prepayId}`;
  return { timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign: signSha256Rsa(privateKey, jsapiSignatureMessage(appid, timeStamp, nonceStr, pkg)) };
}
