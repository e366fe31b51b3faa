import { Injectable } from '@nestjs/common';
import { Reason, WxgateError } from '@wxgate/contracts';
import { safeEqual, WechatErrcode } from '@wxgate/wechat';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { notFound } from './token-errors.js';
import { TokenKeeper } from './token-keeper.js';

export const rejected = (errcode: number, message: string) => new WxgateError(Reason.CREDENTIAL_REJECTED, message, errcode);

/** The secret an SDK brought must be the credential's; digests compared in constant time. */
export function checkSecret(expected: string, given: string): void {
  const same = safeEqual(expected, given);
  if (given === '') throw rejected(WechatErrcode.APPSECRET_MISSING, 'appsecret missing (wxgate)');
  if (!same) throw rejected(WechatErrcode.INVALID_APPSECRET, 'invalid appsecret, or appid and appsecret do not match (wxgate)');
}

/** What an unmodified SDK proves it holds before wxgate hands it a token (docs/sdk.md). */
@Injectable()
export class SdkProofs {
  constructor(
    private readonly credentials: CredentialRepository,
    private readonly keeper: TokenKeeper,
  ) {}

  /**
   * The caller's component token must be the one wxgate holds now. An older one (WeChat keeps it
   * working a few minutes after a refresh) gets WeChat's own 40001, and the SDK fetches the new one.
   */
  async componentToken(componentAppid: string, componentToken: string): Promise<void> {
    const ref = { kind: 'component', appid: componentAppid } as const;
    if (!(await this.credentials.exists(ref))) throw notFound(ref);
    const held = await this.keeper.held(ref);
    if (!held || !safeEqual(held.token, componentToken)) {
      throw rejected(WechatErrcode.INVALID_CREDENTIAL, 'invalid credential, component_access_token is invalid or not latest (wxgate)');
    }
  }
}
