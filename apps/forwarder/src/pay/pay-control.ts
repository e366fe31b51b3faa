import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { Subjects, type PayKeysReply, type PayPolicyDecision, type PaySignReply } from '@wxgate/contracts';
import { NATS_CONNECTION, requestJson } from '@wxgate/nats';
import { APP_CONFIG } from '@wxgate/platform';
import { parsePublicKey, type KeyLookup } from '@wxgate/wechatpay';
import type { KeyObject } from 'node:crypto';
import type { ForwarderConfig } from '../config.js';
import { ControlPlane } from '../control-plane/control-plane.js';
import { PolicyDecisions } from '../decisions/policy-decisions.js';

const TIMEOUT_MS = 3_000;

/**
 * What a WeChat Pay call needs from the other services: the policy decision (the relay's bounded,
 * revision-checked decision cache), the signature (per call) and WeChat Pay's verification keys (cached, refetched
 * for an unknown serial).
 */
@Injectable()
export class PayControl implements OnApplicationBootstrap {
  private readonly logger = new Logger('PayRelay');
  readonly #keys = new Map<string, Promise<Map<string, KeyObject>>>();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_CONFIG) private readonly config: ForwarderConfig,
    private readonly control: ControlPlane,
    private readonly decisions: PolicyDecisions,
  ) {}

  onApplicationBootstrap(): void {
    this.control.onReconnect(() => this.#keys.clear());
  }

  decide(path: string, fromMchid: string | undefined): Promise<PayPolicyDecision> {
    return this.decisions.payDecision(path, fromMchid);
  }

  async sign(mchid: string, method: string, url: string, body: string): Promise<string> {
    return (await requestJson<PaySignReply>(this.nc, Subjects.pay.sign(mchid), { method, url, body }, TIMEOUT_MS)).authorization;
  }

  /** WeChat Pay's keys for `mchid`; `refresh` asks the refresher to re-download platform certificates first. */
  async keys(mchid: string, refresh = false): Promise<KeyLookup> {
    let keys = refresh ? undefined : this.#keys.get(mchid);
    if (!keys) {
      keys = requestJson<PayKeysReply>(this.nc, Subjects.pay.keys(mchid), refresh ? { refresh: true } : {}, TIMEOUT_MS).then(
        (reply) => new Map(reply.keys.map((k) => [k.id, parsePublicKey(k.publicKey)])),
      );
      this.#keys.set(mchid, keys);
      keys.catch((err: unknown) => {
        this.#keys.delete(mchid);
        this.logger.warn(`keys of merchant ${mchid} unavailable: ${(err as Error).message}`);
      });
    }
    const map = await keys;
    return (serial) => map.get(serial);
  }
}
