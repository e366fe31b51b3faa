import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { Subjects, type CallerHashesReply } from '@wxgate/contracts';
import { APP_CONFIG, Clock } from '@wxgate/platform';
import type { ForwarderConfig } from '../config.js';
import { ControlPlaneClient } from './control-plane.client.js';
import { policyUnavailable } from './policy-decisions.js';

/** name → SHA-256 of the secret. Empty: the environment lists no callers, anyone allowed in may call. */
export type Callers = ReadonlyMap<string, Buffer>;

export interface CallerSource {
  callerHashes(envId: string): Promise<CallerHashesReply>;
  subscribe?: ControlPlaneClient['subscribe'];
  onReconnect?: ControlPlaneClient['onReconnect'];
}

/** A known list is re-asked in the background this often, in case a broadcast was lost. */
export const CALLERS_REVALIDATE_MS = 60_000;
/** A failed background re-ask is not repeated sooner than this (NATS may be down for a while). */
const RETRY_MS = 5_000;

/**
 * The callers of this relay's environment, in memory: a warm call reads a map. On
 * `policy.changed.<ENV_ID>` (a broadcast every replica hears) the list is dropped at once and
 * asked again, and calls wait for the new answer rather than use the old one — that is what makes
 * a removed caller stop within a round trip on every forwarder. After a reconnect (broadcasts may
 * have been missed) and every CALLERS_REVALIDATE_MS the list is re-asked while the known one
 * keeps serving. With no list yet and the policy service unreachable, calls fail closed (503).
 */
@Injectable()
export class CallerList implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('CallerList');
  private readonly envId: string;
  private callers?: Callers;
  private fetchedAt = 0;
  private askedAt = 0;
  private filling?: Promise<Callers>;
  /** Bumped by every drop, so an answer asked before a change is not kept after it. */
  private generation = 0;
  private subscription?: Subscription;
  private loggedSize?: number;

  constructor(
    @Inject(ControlPlaneClient) private readonly source: CallerSource,
    @Inject(APP_CONFIG) config: Pick<ForwarderConfig, 'ENV_ID'>,
    private readonly clock: Clock,
  ) {
    this.envId = config.ENV_ID;
  }

  onModuleInit(): void {
    this.subscription = this.source.subscribe?.(Subjects.events.policyChanged(this.envId), () => this.drop());
    this.source.onReconnect?.(() => {
      this.generation++;
      this.fetchedAt = 0;
      this.ask().catch(() => undefined);
    });
  }

  /** Asked before the first call needs it; a policy service still starting is no problem. */
  onApplicationBootstrap(): void {
    this.ask().catch(() => undefined);
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /** The known list (the hot path), or `undefined` when it must be asked first. */
  peek(): Callers | undefined {
    if (this.callers !== undefined && !this.filling) {
      const now = this.clock.now();
      if (now - this.fetchedAt > CALLERS_REVALIDATE_MS && now - this.askedAt > RETRY_MS) this.ask().catch(() => undefined);
    }
    return this.callers;
  }

  /** Single flight; unreachable → TOKEN_UNAVAILABLE (the relay cannot tell who may call). */
  fill(): Promise<Callers> {
    return this.filling ?? this.ask();
  }

  private drop(): void {
    this.generation++;
    this.callers = undefined;
    this.filling = undefined;
    this.ask().catch(() => undefined);
  }

  private ask(): Promise<Callers> {
    const generation = this.generation;
    this.askedAt = this.clock.now();
    const pending = this.source.callerHashes(this.envId).then(
      (reply) => {
        const callers: Callers = new Map(reply.callers.map((c) => [c.name, Buffer.from(c.secretHash, 'hex')]));
        if (generation === this.generation) {
          if (this.loggedSize !== callers.size) this.logger.log(`env ${this.envId} has ${callers.size} caller(s)${callers.size === 0 ? ': no caller credential required' : ''}`);
          this.loggedSize = callers.size;
          this.callers = callers;
          this.fetchedAt = this.clock.now();
        }
        return callers;
      },
      (err: unknown) => Promise.reject(policyUnavailable(err)),
    );
    this.filling = pending;
    void pending
      .finally(() => {
        if (this.filling === pending) this.filling = undefined;
      })
      .catch(() => undefined);
    return pending;
  }
}
