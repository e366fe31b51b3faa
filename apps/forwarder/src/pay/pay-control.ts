import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { Subjects, type PayKeysReply, type PayPolicyDecision, type PaySignReply } from '@wxgate/contracts';
import { NATS_CONNECTION, requestJson } from '@wxgate/nats';
import { APP_CONFIG } from '@wxgate/platform';
import { parsePublicKey, type KeyLookup } from '@wxgate/wechatpay';
import type { KeyObject } from 'node:crypto';
import type { ForwarderConfig } from '../config.js';
import { ControlPlane } from '../control-plane/control-plane.js';

const TIMEOUT_MS = 3_000;

/**
 * What a WeChat Pay call needs from the other services: the policy decision (cached until
 * `policy.changed`), the signature (per call) and WeChat Pay's verification keys (cached, refetched
 * for an unknown serial).
 */
@Injectable()
export class PayControl implements OnApplicationBootstrap {
  private readonly logger = new Logger('PayRelay');
  readonly #decisions = new Map<string, Promise<PayPolicyDecision>>();
  readonly #keys = new Map<string, Promise<Map<string, KeyObject>>>();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_CONFIG) private readonly config: ForwarderConfig,
    private readonly control: ControlPlane,
  ) {}

  onApplicationBootstrap(): void {
    this.control.subscribe(Subjects.events.policyChanged(this.config.ENV_ID), () => this.#decisions.clear());
    this.control.onReconnect(() => {
      this.#decisions.clear();
      this.#keys.clear();
    });
  }

  decide(path: string, fromMchid: string | undefined): Promise<PayPolicyDecision> {
    const key = `${path}\n${fromMchid ?? ''}`;
    let decision = this.#decisions.get(key);
    if (!decision) {
      decision = requestJson<PayPolicyDecision>(
        this.nc,
        Subjects.policy.check,
        { envId: this.config.ENV_ID, path, api: 'pay', ...(fromMchid ? { fromMchid } : {}) },
        TIMEOUT_MS,
      );
      this.#decisions.set(key, decision);
      decision.catch(() => this.#decisions.delete(key));
    }
    return decision;
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
