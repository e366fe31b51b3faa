import type { KeyObject } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { PayPolicyDecision } from '@wxgate/contracts';
import { parsePublicKey, type KeyLookup } from '@wxgate/wechatpay';
import { ControlPlaneClient } from './control-plane.client.js';
import { PolicyDecisions } from './policy-decisions.js';

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
    private readonly control: ControlPlaneClient,
    private readonly decisions: PolicyDecisions,
  ) {}

  onApplicationBootstrap(): void {
    this.control.onReconnect(() => this.#keys.clear());
  }

  decide(path: string, fromMchid: string | undefined): Promise<PayPolicyDecision> {
    return this.decisions.payDecision(path, fromMchid);
  }

  sign(mchid: string, method: string, url: string, body: string): Promise<string> {
    return this.control.paySign(mchid, { method, url, body });
  }

  /** WeChat Pay's keys for `mchid`; `refresh` asks the refresher to re-download platform certificates first. */
  async keys(mchid: string, refresh = false): Promise<KeyLookup> {
    let keys = refresh ? undefined : this.#keys.get(mchid);
    if (!keys) {
      keys = this.control.payKeys(mchid, refresh).then(
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
