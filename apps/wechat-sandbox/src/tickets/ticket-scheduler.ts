import type { AccountRegistry, Component } from '../accounts/account-registry.js';
import type { Knobs } from '../knobs.js';
import type { EventPusher, PushResult } from './event-pusher.js';
import type { TicketStore } from './ticket-store.js';

export interface TicketPush extends PushResult {
  ticket: string;
  /** False when the component has no callback URL: the ticket was issued but not sent. */
  pushed: boolean;
}

/** WeChat's ticket loop: every N seconds, issue a component_verify_ticket and push it. */
export class TicketScheduler {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #stopped = false;

  constructor(
    private readonly accounts: AccountRegistry,
    private readonly tickets: TicketStore,
    private readonly pusher: EventPusher,
    private readonly knobs: Knobs,
  ) {}

  /** Issues a ticket now and delivers it (retries included). */
  async pushNow(component: Component): Promise<TicketPush> {
    const ticket = this.tickets.issue(component.appid);
    if (!component.callbackUrl) return { ticket, pushed: false, acknowledged: false, attempts: 0 };
    const result = await this.pusher.push(component, { InfoType: 'component_verify_ticket', ComponentVerifyTicket: ticket });
    return { ticket, pushed: true, ...result };
  }

  /** (Re)starts the loop of a component: a push right away, then one per interval. */
  start(component: Component): void {
    this.stop(component.appid);
    if (!component.callbackUrl || this.#stopped) return;
    this.#schedule(component.appid, 0);
  }

  stop(componentAppid: string): void {
    clearTimeout(this.#timers.get(componentAppid));
    this.#timers.delete(componentAppid);
  }

  /** Re-reads intervals after a knob change (the next push happens one new interval from now). */
  reschedule(): void {
    for (const appid of [...this.#timers.keys()]) {
      const component = this.accounts.components.get(appid);
      if (component) this.#schedule(appid, this.#intervalMs(component));
    }
  }

  stopAll(): void {
    for (const appid of [...this.#timers.keys()]) this.stop(appid);
  }

  close(): void {
    this.#stopped = true;
    this.stopAll();
  }

  #intervalMs(component: Component): number {
    return (component.ticketIntervalS ?? this.knobs.ticketIntervalS) * 1000;
  }

  #schedule(appid: string, inMs: number): void {
    clearTimeout(this.#timers.get(appid));
    const timer = setTimeout(() => {
      const component = this.accounts.components.get(appid);
      if (!component || this.#stopped) return;
      this.#schedule(appid, this.#intervalMs(component));
      void this.pushNow(component).catch(() => undefined);
    }, inMs);
    timer.unref();
    this.#timers.set(appid, timer);
  }
}
