import type { Clock } from '@wxgate/platform';
import { AccountRegistry, type AppInput, type Component, type ComponentInput } from './accounts/account-registry.js';
import { CallLog } from './admin/call-log.js';
import { AuthorizationSimulator } from './authorizations/authorization-simulator.js';
import { AuthorizationStore } from './authorizations/authorization-store.js';
import { FaultStore } from './faults/fault-store.js';
import { PaySandbox } from './pay/pay-sandbox.js';
import { applyKnobs, type Knobs, type KnobsPatch } from './knobs.js';
import { EventPusher } from './tickets/event-pusher.js';
import { TicketScheduler } from './tickets/ticket-scheduler.js';
import { TicketStore } from './tickets/ticket-store.js';
import { QuotaCounter } from './tokens/quota-counter.js';
import { StableTokens } from './tokens/stable-tokens.js';
import { TokenStore } from './tokens/token-store.js';

export interface SeedAuthorization {
  componentAppid: string;
  authorizerAppid: string;
  funcScopes?: number[];
  refreshToken?: string;
}

export interface Seed {
  components?: ComponentInput[];
  apps?: AppInput[];
  /** Authorizations that exist from the start (no event is sent for them). */
  authorizations?: SeedAuthorization[];
}

/** Everything the sandbox knows, in memory; one instance per sandbox. */
export class SandboxState {
  readonly accounts = new AccountRegistry();
  readonly tokens: TokenStore;
  readonly stableTokens: StableTokens;
  readonly quotas: QuotaCounter;
  readonly tickets: TicketStore;
  readonly authorizations: AuthorizationStore;
  readonly faults = new FaultStore();
  readonly calls: CallLog;
  readonly pusher: EventPusher;
  readonly scheduler: TicketScheduler;
  readonly simulator: AuthorizationSimulator;
  readonly pay: PaySandbox;
  readonly #initialKnobs: Knobs;

  constructor(
    readonly clock: Clock,
    readonly knobs: Knobs,
    private readonly seed: Seed = {},
  ) {
    this.#initialKnobs = structuredClone(knobs);
    this.tokens = new TokenStore(clock, knobs);
    this.quotas = new QuotaCounter(clock, knobs);
    this.stableTokens = new StableTokens(clock, knobs, this.tokens, this.quotas);
    this.tickets = new TicketStore(clock, knobs);
    this.authorizations = new AuthorizationStore(clock, knobs);
    this.calls = new CallLog(clock, knobs);
    this.pusher = new EventPusher(clock, knobs);
    this.scheduler = new TicketScheduler(this.accounts, this.tickets, this.pusher, knobs);
    this.simulator = new AuthorizationSimulator(this.accounts, this.authorizations, this.tokens, this.pusher);
    this.pay = new PaySandbox(clock, knobs);
  }

  /** Registers (or replaces) a component; with a callback URL its ticket pushes start at once. */
  registerComponent(input: ComponentInput): Component {
    const component = this.accounts.putComponent(input);
    this.scheduler.start(component);
    return component;
  }

  registerApp(input: AppInput): void {
    this.accounts.putApp(input);
  }

  setKnobs(patch: KnobsPatch): Knobs {
    const intervalBefore = this.knobs.ticketIntervalS;
    applyKnobs(this.knobs, patch);
    if (this.knobs.ticketIntervalS !== intervalBefore) this.scheduler.reschedule();
    return this.knobs;
  }

  applySeed(seed: Seed = this.seed): void {
    for (const app of seed.apps ?? []) this.registerApp(app);
    for (const component of seed.components ?? []) this.registerComponent(component);
    for (const a of seed.authorizations ?? []) {
      this.authorizations.authorize(a.componentAppid, a.authorizerAppid, a.funcScopes, a.refreshToken);
    }
  }

  /** Back to the state at start: seed data and startup knobs, nothing issued, logged or faulted. */
  reset(): void {
    this.scheduler.stopAll();
    this.accounts.clear();
    this.tokens.clear();
    this.stableTokens.clear();
    this.quotas.reset();
    this.tickets.clear();
    this.authorizations.clear();
    this.faults.clear();
    this.calls.clear();
    this.pay.reset();
    const initial = structuredClone(this.#initialKnobs);
    this.knobs.quotas = {};
    applyKnobs(this.knobs, initial);
    this.applySeed();
  }

  /** What an operator may look at: no secret, ticket or token value. */
  summary() {
    const now = this.clock.now();
    return {
      components: [...this.accounts.components.values()].map((c) => ({
        appid: c.appid,
        callbackUrl: c.callbackUrl ?? null,
        ticketIntervalS: c.ticketIntervalS ?? this.knobs.ticketIntervalS,
        latestTicketAt: this.tickets.latest(c.appid)?.issuedAt ?? null,
      })),
      apps: [...this.accounts.apps.values()].map((a) => ({ appid: a.appid })),
      authorizations: this.authorizations.all().map((a) => ({
        componentAppid: a.componentAppid,
        authorizerAppid: a.authorizerAppid,
        status: a.status,
        funcScopes: a.funcScopes,
        authTime: a.authTime,
      })),
      tokens: {
        issued: this.tokens.size,
        current: this.tokens.currentTokens().map((t) => ({
          kind: t.kind,
          channel: t.channel,
          appid: t.appid,
          componentAppid: t.componentAppid ?? null,
          issuedAt: t.issuedAt,
          expiresAt: t.expiresAt,
          valid: t.expiresAt > now && (t.invalidAt === undefined || t.invalidAt > now),
        })),
      },
      quotas: this.quotas.usage(),
      faults: this.faults.list(),
      knobs: this.knobs,
      pay: this.pay.summary(),
    };
  }

  close(): void {
    this.scheduler.close();
    this.pay.close();
  }
}
