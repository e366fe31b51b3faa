import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { Subjects, WxgateError, type CallerHashesReply, type CredentialRef, type PayKeysReply, type PaySignReply, type PolicyCheckRequest, type PolicyDecision, type TokenReply } from '@wxgate/contracts';
import { decodePayload, NATS_CONNECTION, NatsUnavailableError, requestJson } from '@wxgate/nats';
import { RelayMetrics, type NatsRequestName } from '../metrics/relay.metrics.js';

const POLICY_TIMEOUT_MS = 3_000;
const PAY_TIMEOUT_MS = 3_000;
/**
 * A cold token may need a WeChat round trip on the refresher's side, after waiting out the lease
 * of a replica that died refreshing it (REFRESH_LEASE_TTL_MS, 6 s by default): longer than both.
 */
export const TOKEN_TIMEOUT_MS = 10_000;

/**
 * The forwarder's only way to the policy service and the token-refresher: counted NATS requests
 * (a warm call makes none) and the broadcast subscriptions that keep the caches honest. Used by
 * the caches of this folder only; the relay sees them through `ControlPlane`.
 */
@Injectable()
export class ControlPlaneClient {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly metrics: RelayMetrics,
  ) {}

  checkPolicy(request: PolicyCheckRequest): Promise<PolicyDecision> {
    return this.counted('policy.check', () => requestJson<PolicyDecision>(this.nc, Subjects.policy.check, request, POLICY_TIMEOUT_MS));
  }

  callerHashes(envId: string): Promise<CallerHashesReply> {
    return this.counted('policy.callers', () => requestJson<CallerHashesReply>(this.nc, Subjects.policy.callers, { envId }, POLICY_TIMEOUT_MS));
  }

  /** An authorizer's token is asked for by its pair (the five-token subject). */
  getToken(ref: CredentialRef): Promise<TokenReply> {
    return this.counted('token.get', () => requestJson<TokenReply>(this.nc, Subjects.token.get(ref.kind, ref.appid, ref.componentAppid), {}, TOKEN_TIMEOUT_MS));
  }

  invalidateToken(ref: CredentialRef, token: string): Promise<TokenReply> {
    const subject = Subjects.token.invalidate(ref.kind, ref.appid, ref.componentAppid);
    return this.counted('token.invalidate', () => requestJson<TokenReply>(this.nc, subject, { token }, TOKEN_TIMEOUT_MS));
  }

  /** WeChat rejected a caller's token this forwarder does not know: the refresher finds its owner. */
  rejectToken(token: string): Promise<TokenReply> {
    return this.counted('token.invalidate', () => requestJson<TokenReply>(this.nc, Subjects.token.reject, { token }, TOKEN_TIMEOUT_MS));
  }

  /** A token endpoint's answer (docs/sdk.md): `subject` is a `token.issue.*` or `token.exchange.*` one. */
  issueToken<T>(subject: string, proof: object): Promise<T> {
    return this.counted(subject.startsWith('wxgate.token.exchange.') ? 'token.exchange' : 'token.issue', () => requestJson<T>(this.nc, subject, proof, TOKEN_TIMEOUT_MS));
  }

  /** A WeChat Pay request's `Authorization`, signed by the token-refresher with the merchant's key (docs/wechat-pay.md). */
  async paySign(mchid: string, request: { method: string; url: string; body: string }): Promise<string> {
    return (await requestJson<PaySignReply>(this.nc, Subjects.pay.sign(mchid), request, PAY_TIMEOUT_MS)).authorization;
  }

  /** WeChat Pay's verification keys of `mchid`; `refresh` makes the refresher re-download platform certificates first. */
  payKeys(mchid: string, refresh: boolean): Promise<PayKeysReply> {
    return requestJson<PayKeysReply>(this.nc, Subjects.pay.keys(mchid), refresh ? { refresh: true } : {}, PAY_TIMEOUT_MS);
  }

  /** A broadcast subscription (no queue group: every replica hears it). */
  subscribe(subject: string, handle: (subject: string, body: unknown) => void): Subscription {
    return this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (!err) handle(msg.subject, decodePayload(msg.data));
      },
    });
  }

  /** Calls `handle` whenever the connection comes back (broadcasts may have been missed). */
  onReconnect(handle: () => void): void {
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === 'reconnect') handle();
      }
    })().catch(() => undefined);
  }

  /**
   * Counts the request. policy.check, token.get and token.invalidate are idempotent, so one that
   * nobody answered is sent once more: the replica the queue group handed it to may have died
   * with it (another one answers the retry).
   */
  private async counted<T>(subject: NatsRequestName, request: () => Promise<T>): Promise<T> {
    const retry = subject === 'policy.check' || subject === 'token.get' || subject === 'token.invalidate';
    for (let attempt = 1; ; attempt++) {
      try {
        const reply = await request();
        this.metrics.natsRequest(subject, 'ok');
        return reply;
      } catch (err) {
        this.metrics.natsRequest(subject, err instanceof WxgateError ? 'error' : err instanceof NatsUnavailableError ? 'unavailable' : 'error');
        if (!retry || !(err instanceof NatsUnavailableError) || attempt >= 2 || this.nc.isClosed()) throw err;
      }
    }
  }
}
