import { Injectable } from '@nestjs/common';
import type { CredentialRef, PayPolicyDecision, TokenReply } from '@wxgate/contracts';
import type { KeyLookup } from '@wxgate/wechatpay';
import { CallerList, type Callers } from './caller-list.js';
import { ControlPlaneClient } from './control-plane.client.js';
import { PayControl } from './pay-control.js';
import { PolicyDecisions, type CachedDecision } from './policy-decisions.js';
import { RelayTokens, type CachedToken } from './relay-tokens.js';

export type { CachedDecision, CachedToken, Callers };

/**
 * The one interface the relay has to the control plane (docs/architecture.md): policy decisions,
 * tokens, the caller list and WeChat Pay signatures, each answered from memory when it can be
 * (the `peek…` methods: no promise, no NATS, the warm path) and asked of the policy service or the
 * token-refresher over NATS when it cannot. Behind it: PolicyDecisions, RelayTokens, CallerList,
 * PayControl and the NATS client they share.
 */
@Injectable()
export class ControlPlane {
  constructor(
    private readonly decisions: PolicyDecisions,
    private readonly tokens: RelayTokens,
    private readonly callerList: CallerList,
    private readonly pay: PayControl,
    private readonly client: ControlPlaneClient,
  ) {}

  /** Step 6 from memory (a stale decision is served and re-asked in the background). */
  peekDecision(path: string, fromAppid: string | undefined): CachedDecision | undefined {
    return this.decisions.peek(path, fromAppid);
  }

  /** Step 6 asked of the policy service (single flight); unreachable → TOKEN_UNAVAILABLE. */
  decide(path: string, fromAppid: string | undefined): Promise<CachedDecision> {
    return this.decisions.fill(path, fromAppid);
  }

  /** Step 7 from memory: the token under the decision's `tokenKey`, while it is valid. */
  peekToken(key: string): CachedToken | undefined {
    return this.tokens.peek(key);
  }

  /** Step 7 asked of the token-refresher (single flight); none to be had → TOKEN_UNAVAILABLE (step 11). */
  token(ref: CredentialRef): Promise<CachedToken> {
    return this.tokens.fill(ref);
  }

  /** Step 10: WeChat rejected `rejected`; compare-and-refresh, the newer token. */
  replaceToken(ref: CredentialRef, rejected: string): Promise<CachedToken> {
    return this.tokens.invalidate(ref, rejected);
  }

  /** Step 5: the credential whose current token a caller brought, when this relay handed it out. */
  ownerOfToken(token: string): CachedToken | undefined {
    return this.tokens.ownerOf(token);
  }

  /** Step 5: a rejected caller token this relay does not hold; the refresher invalidates it if it is wxgate's. */
  rejectUnknownToken(token: string): Promise<CachedToken | undefined> {
    return this.tokens.rejectUnknown(token);
  }

  /** Step 4: a token the refresher issued to an SDK, recognised when the SDK brings it back. */
  rememberToken(reply: TokenReply): CachedToken {
    return this.tokens.remember(reply);
  }

  /** Step 4: a token endpoint's answer from the token-refresher (`token.issue.*`, `token.exchange.*`). */
  issueToken<T>(subject: string, proof: object): Promise<T> {
    return this.client.issueToken<T>(subject, proof);
  }

  /** The environment's callers from memory, or `undefined` when they must be asked first (docs/callers.md). */
  peekCallers(): Callers | undefined {
    return this.callerList.peek();
  }

  /** The environment's callers asked of the policy service (single flight); unreachable → TOKEN_UNAVAILABLE. */
  callers(): Promise<Callers> {
    return this.callerList.fill();
  }

  /** A WeChat Pay call's decision (docs/wechat-pay.md). */
  payDecision(path: string, fromMchid: string | undefined): Promise<PayPolicyDecision> {
    return this.pay.decide(path, fromMchid);
  }

  paySignature(mchid: string, method: string, url: string, body: string): Promise<string> {
    return this.pay.sign(mchid, method, url, body);
  }

  /** WeChat Pay's verification keys of `mchid`; `refresh` re-downloads them first. */
  payKeys(mchid: string, refresh = false): Promise<KeyLookup> {
    return this.pay.keys(mchid, refresh);
  }
}
