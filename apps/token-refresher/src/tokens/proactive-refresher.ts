import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Subscription as DueSubscription } from 'rxjs';
import { CREDENTIAL_SUBJECT_PREFIXES, credentialFromSubject, credentialKey, describeCredential, Subjects, TokenRefreshedEvent, type CredentialRef } from '@wxgate/contracts';
import { NATS_CONNECTION } from '@wxgate/nats';
import { APP_CONFIG, Clock } from '@wxgate/platform';
import type { RefresherConfig } from '../config.js';
import { TokenStateRepository } from '../persistence/token-state.repository.js';
import { RefreshDueToken } from './refresh-due-token.usecase.js';
import { RefreshSchedule } from './refresh-schedule.js';
import { TokenKeeper } from './token-keeper.js';

/** The `expiresAt` a `token.refreshed` announces, or undefined when its body is not one. */
export function announcedExpiry(msg: Pick<Msg, 'json'>): number | undefined {
  try {
    const parsed = TokenRefreshedEvent.safeParse(msg.json());
    return parsed.success ? parsed.data.expiresAt : undefined;
  } catch {
    return undefined;
  }
}

/** setTimeout's ceiling is ~24.8 days; look again at least hourly anyway. */
const MAX_TIMER_MS = 3_600_000;

/**
 * Also where every replica hears `token.refreshed` (outside queue groups): the keeper's cache
 * drops a token replaced or dropped elsewhere at once.
 *
 * Every replica keeps a timer per token, set to when it falls due (made earlier by the replica's
 * own jitter, see RefreshSchedule). Timers are reset
 * from `token.refreshed` (heard by every replica, outside queue groups) and from a periodic scan,
 * so a replica notices refreshes made elsewhere and takes over when another one dies.
 */
@Injectable()
export class ProactiveRefresher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ProactiveRefresher');
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #running = new Set<string>();
  #scan?: NodeJS.Timeout;
  #refreshed?: Subscription;
  #due?: DueSubscription;
  #stopped = false;

  constructor(
    private readonly refreshDue: RefreshDueToken,
    private readonly refreshSchedule: RefreshSchedule,
    private readonly tokens: TokenStateRepository,
    private readonly keeper: TokenKeeper,
    private readonly clock: Clock,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_CONFIG) private readonly config: RefresherConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // A token served while due, on a replica without a timer for it: refresh it soon.
    this.#due = this.keeper.due.subscribe((ref) => this.schedule(ref, this.clock.now()));
    this.#refreshed = this.nc.subscribe(Subjects.events.tokenRefreshedAll, {
      callback: (_err, msg) => {
        const ref = credentialFromSubject(msg.subject, CREDENTIAL_SUBJECT_PREFIXES.tokenRefreshed);
        // Authorizers are announced per pair; anything else is not ours to act on.
        if ('problem' in ref || (ref.kind === 'authorizer' && ref.componentAppid === undefined)) return;
        // Before anything else: from now on this replica serves the new token (or none).
        this.keeper.refreshed(ref, announcedExpiry(msg));
        void this.#look(ref);
      },
    });
    await this.scanAll();
    this.#scan = setInterval(() => void this.scanAll(), this.config.REFRESH_SCAN_INTERVAL_S * 1000);
    this.#scan.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.#stopped = true;
    this.#refreshed?.unsubscribe();
    this.#due?.unsubscribe();
    clearInterval(this.#scan);
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  async scanAll(): Promise<void> {
    try {
      for (const state of await this.tokens.schedules()) {
        if (!state.hasToken) continue;
        const at = this.refreshSchedule.nextLook(state, state);
        if (at !== undefined) this.schedule(state, at);
      }
    } catch (err) {
      this.logger.warn(`scan of token expiries failed: ${(err as Error).name}`);
    }
  }

  /** Sets the timer of a credential to `at`, replacing a later one (or any, with `replace`). */
  schedule(ref: CredentialRef, at: number, replace = false): void {
    if (this.#stopped) return;
    const key = credentialKey(ref);
    const now = this.clock.now();
    const existing = this.#timers.get(key);
    if (existing && !replace && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at - now));
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      void this.#fire(ref);
    }, delay);
    timer.unref();
    this.#timers.set(key, { at, timer });
  }

  /** Re-reads a credential's state and sets its timer from it (after a refresh anywhere). */
  async #look(ref: CredentialRef): Promise<void> {
    try {
      const state = await this.tokens.read(ref);
      const at = state?.token ? this.refreshSchedule.nextLook(ref, state) : undefined;
      if (at !== undefined) this.schedule(ref, at, true);
    } catch (err) {
      this.logger.warn(`could not read ${describeCredential(ref)}: ${(err as Error).name}`);
    }
  }

  async #fire(ref: CredentialRef): Promise<void> {
    const key = credentialKey(ref);
    if (this.#stopped || this.#running.has(key)) return;
    this.#running.add(key);
    try {
      const next = await this.refreshDue.execute(ref);
      if (next !== undefined) this.schedule(ref, Math.max(next, this.clock.now() + 10), true);
    } catch (err) {
      this.logger.warn(`proactive refresh of ${describeCredential(ref)} failed: ${(err as Error).name}`);
      this.schedule(ref, this.clock.now() + 5_000);
    } finally {
      this.#running.delete(key);
    }
  }
}
