import type { CredentialRef, TokenReply } from '@wxgate/contracts';
import { isTokenRejection, WechatApiError } from '@wxgate/wechat';

/** Where component tokens come from: the keeper (current, and compare-and-refresh). */
export interface ComponentTokenSource {
  current(ref: CredentialRef): Promise<TokenReply>;
  refresh(ref: CredentialRef, opts: { replacing: string }): Promise<TokenReply>;
}

/**
 * The component token for a call made on a component's behalf (an authorizer mint, a code
 * exchange, an authorizer listing). When WeChat rejects it (40001/40014/42001), the token is
 * replaced by compare-and-refresh and the call made once more — the one place that retry lives.
 */
export class ComponentTokenProvider {
  constructor(private readonly source: ComponentTokenSource) {}

  async current(componentAppid: string): Promise<string> {
    return (await this.source.current({ kind: 'component', appid: componentAppid })).token;
  }

  /** `call` with the component's current token; once more with a replaced one if WeChat rejects it. */
  async use<T>(componentAppid: string, call: (componentToken: string) => Promise<T>): Promise<T> {
    const componentToken = await this.current(componentAppid);
    try {
      return await call(componentToken);
    } catch (err) {
      if (!(err instanceof WechatApiError && isTokenRejection(err.errcode))) throw err;
      const replaced = await this.source.refresh({ kind: 'component', appid: componentAppid }, { replacing: componentToken });
      return call(replaced.token);
    }
  }
}
