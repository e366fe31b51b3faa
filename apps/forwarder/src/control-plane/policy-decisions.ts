import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { LRUCache } from 'lru-cache';
import { APP_CONFIG, Clock, SingleFlight } from '@wxgate/platform';
import { allowlistPathProblem, APPID_PATTERN, PolicyChangedEvent, Reason, Subjects, WxgateError, type PayPolicyDecision, type PolicyCheckRequest, type PolicyDecision } from '@wxgate/contracts';
import { NatsUnavailableError } from '@wxgate/nats';
import type { ForwarderConfig } from '../config.js';
import { ControlPlaneClient } from './control-plane.client.js';
import { RelayMetrics } from '../metrics/relay.metrics.js';
import { tokenKey } from './relay-tokens.js';
import { PolicyRevisionWatermark } from './policy-revision.js';

export interface CachedDecision {
  decision: PolicyDecision;
  /** The token cache key of the credential to inject (an authorizer's pair), for an allowed call. */
  tokenKey?: string;
  fetchedAt: number;
}

export interface PolicySource {
  checkPolicy(request: PolicyCheckRequest): Promise<PolicyDecision>;
  subscribe?: ControlPlaneClient['subscribe'];
  onReconnect?: ControlPlaneClient['onReconnect'];
}

/** After this long a decision is re-asked in the background (the stale one keeps serving). */
export const DECISION_REVALIDATE_MS = 5 * 60_000;
/** Asks (the first included) for an answer at least as new as the last change heard of. */
const CURRENT_ANSWER_ATTEMPTS = 3;
/** Bounds memory against callers inventing paths or `from_appid` values: by count … */
export const MAX_DECISIONS = 10_000;
/** … and by size, since one caller can send 16 KiB paths (docs/hardening.md). */
export const MAX_DECISION_BYTES = 8 * 1024 * 1024;
/** A decision nobody asked for in this long is forgotten (a used one is revalidated instead). */
export const DECISION_IDLE_TTL_MS = 60 * 60_000;
/** Per-entry bookkeeping on top of its strings, roughly what V8 and the cache spend. */
const ENTRY_OVERHEAD_BYTES = 256;

/**
 * `policy.check` answers for this relay's environment, by (path, from_appid). Dropped on
 * `policy.changed.<ENV_ID>` (a broadcast every replica hears); after a reconnect (broadcasts may
 * have been missed) and after DECISION_REVALIDATE_MS they are re-asked in the background while
 * the known answer keeps serving, so NATS being down never stops a warm call.
 */
@Injectable()
export class PolicyDecisions implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('PolicyDecisions');
  private readonly envId: string;
  private readonly entries: LRUCache<string, CachedDecision>;
  private readonly filling = new SingleFlight<string, CachedDecision>();
  /** Bumped by every drop, so an answer asked before a change is not cached after it. */
  private generation = 0;
  private readonly revision = new PolicyRevisionWatermark();
  private subscription?: Subscription;

  constructor(
    @Inject(ControlPlaneClient) private readonly source: PolicySource,
    private readonly metrics: RelayMetrics,
    @Inject(APP_CONFIG) config: Pick<ForwarderConfig, 'ENV_ID'>,
    private readonly clock: Clock,
  ) {
    this.envId = config.ENV_ID;
    this.entries = new LRUCache<string, CachedDecision>({
      max: MAX_DECISIONS,
      maxSize: MAX_DECISION_BYTES,
      // Strings are counted twice: the key, and the path echoed in a deny's message.
      sizeCalculation: (entry, key) => ENTRY_OVERHEAD_BYTES + 2 * key.length + (entry.decision.allowed ? 0 : entry.decision.message.length * 2),
      ttl: DECISION_IDLE_TTL_MS,
      updateAgeOnGet: true,
      // The revalidation clock is `fetchedAt`; the TTL only forgets idle entries.
      perf: { now: () => clock.now() },
      ttlResolution: 0,
    });
  }

  onModuleInit(): void {
    this.subscription = this.source.subscribe?.(Subjects.events.policyChanged(this.envId), (_subject, body) => {
      if (this.revision.changed(PolicyChangedEvent.safeParse(body).data?.revision)) this.dropAll('policy changed');
    });
    this.source.onReconnect?.(() => this.markAllStale());
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /** The cached decision (the hot path); a stale one is served and re-asked in the background. */
  peek(path: string, fromAppid: string | undefined): CachedDecision | undefined {
    const key = fromAppid === undefined ? path : `${path}?${fromAppid}`;
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.metrics.policyHit.inc();
    if (this.clock.now() - entry.fetchedAt > DECISION_REVALIDATE_MS && this.filling.get(key) === undefined) {
      this.ask(key, checkRequest(this.envId, path, fromAppid), mayEverBeAllowed(path, fromAppid)).catch(() => undefined);
    }
    return entry;
  }

  /** Asks the policy service (single flight per key); unreachable → TOKEN_UNAVAILABLE. */
  fill(path: string, fromAppid: string | undefined): Promise<CachedDecision> {
    this.metrics.policyMiss.inc();
    const key = fromAppid === undefined ? path : `${path}?${fromAppid}`;
    return this.filling.get(key) ?? this.ask(key, checkRequest(this.envId, path, fromAppid), mayEverBeAllowed(path, fromAppid));
  }

  /**
   * A WeChat Pay call's decision (`api: "pay"`, the merchant it signs with), in the same bounded,
   * revision-checked cache: pay paths carry order numbers, so every order is a new key.
   */
  async payDecision(path: string, fromMchid: string | undefined): Promise<PayPolicyDecision> {
    const key = `pay:${path}?${fromMchid ?? ''}`;
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      this.metrics.policyHit.inc();
      return entry.decision as unknown as PayPolicyDecision;
    }
    this.metrics.policyMiss.inc();
    const request: PolicyCheckRequest = { envId: this.envId, path, api: 'pay', ...(fromMchid === undefined ? {} : { fromMchid }) };
    const pending = this.filling.get(key) ?? this.ask(key, request, allowlistPathProblem(path) === undefined);
    return (await pending).decision as unknown as PayPolicyDecision;
  }

  dropAll(why: string): void {
    this.generation++;
    if (this.entries.size > 0) this.logger.log(`${why}: ${this.entries.size} cached decisions of ${this.envId} dropped`);
    this.entries.clear();
  }

  private markAllStale(): void {
    this.generation++;
    for (const entry of this.entries.values()) entry.fetchedAt = 0;
  }

  /** `cacheable`: false for a question no allowlist can ever admit (not worth a slot). */
  private ask(key: string, request: PolicyCheckRequest, cacheable: boolean): Promise<CachedDecision> {
    return this.filling.run(key, () => {
      const generation = this.generation;
      return this.askCurrent(request).then(
        (decision) => {
          const entry: CachedDecision = { decision, fetchedAt: this.clock.now() };
          if (decision.allowed && request.api !== 'pay') entry.tokenKey = tokenKey(decision.credential);
          if (generation === this.generation && cacheable) this.entries.set(key, entry);
          return entry;
        },
        (err: unknown) => Promise.reject(policyUnavailable(err)),
      );
    });
  }

  /** An answer holding every change heard of, even one heard while asking. */
  private async askCurrent(request: PolicyCheckRequest): Promise<PolicyDecision> {
    for (let attempt = 1; ; attempt++) {
      const decision = await this.source.checkPolicy(this.revision.stamp(request));
      if (this.revision.isCurrent(decision)) return decision;
      if (attempt >= CURRENT_ANSWER_ATTEMPTS) {
        throw new WxgateError(Reason.TOKEN_UNAVAILABLE, `policy service has not reached revision ${this.revision.heard} of environment ${this.envId} yet`);
      }
    }
  }
}

function checkRequest(envId: string, path: string, fromAppid: string | undefined): PolicyCheckRequest {
  return fromAppid === undefined ? { envId, path } : { envId, path, fromAppid };
}

/**
 * False for a (path, from_appid) no allowlist can ever admit — a path no allowlist entry may hold,
 * a from_appid that is not an appid: their denials are not worth a cache slot a caller can fill.
 */
function mayEverBeAllowed(path: string, fromAppid: string | undefined): boolean {
  return allowlistPathProblem(path) === undefined && (fromAppid === undefined || APPID_PATTERN.test(fromAppid));
}

/** A failed request to the policy service, as the relay answers it (503 TOKEN_UNAVAILABLE with the cause). */
export function policyUnavailable(err: unknown): WxgateError {
  if (err instanceof NatsUnavailableError) return new WxgateError(Reason.TOKEN_UNAVAILABLE, `policy service unreachable (${err.message})`);
  if (err instanceof WxgateError) return new WxgateError(Reason.TOKEN_UNAVAILABLE, `policy check failed: ${err.reason}: ${err.message}`);
  return new WxgateError(Reason.TOKEN_UNAVAILABLE, 'policy check failed');
}
