import { randomBytes } from 'node:crypto';
import type { Clock } from '@wxgate/platform';
import type { Knobs } from '../knobs.js';

interface ComponentTickets {
  latest: { value: string; issuedAt: number };
  /** Superseded tickets and when they were superseded (a few only: the grace window is short). */
  previous: Map<string, number>;
}

const KEEP_PREVIOUS = 16;

/** The component_verify_tickets the sandbox issued, as api_component_token checks them. */
export class TicketStore {
  readonly #tickets = new Map<string, ComponentTickets>();

  constructor(
    private readonly clock: Clock,
    private readonly knobs: Knobs,
  ) {}

  issue(componentAppid: string): string {
    const now = this.clock.now();
    const value = `ticket@@@${randomBytes(64).toString('base64url')}`;
    const entry = this.#tickets.get(componentAppid);
    if (!entry) {
      this.#tickets.set(componentAppid, { latest: { value, issuedAt: now }, previous: new Map() });
      return value;
    }
    entry.previous.set(entry.latest.value, now);
    if (entry.previous.size > KEEP_PREVIOUS) entry.previous.delete(entry.previous.keys().next().value!);
    entry.latest = { value, issuedAt: now };
    return value;
  }

  /** 0 when the ticket may mint a token, else 61005 (stale or expired) or 61006 (never issued). */
  check(componentAppid: string, ticket: string): 0 | 61005 | 61006 {
    const entry = this.#tickets.get(componentAppid);
    if (!entry) return 61006;
    const now = this.clock.now();
    if (entry.latest.value === ticket) return now - entry.latest.issuedAt < this.knobs.ticketTtlS * 1000 ? 0 : 61005;
    const supersededAt = entry.previous.get(ticket);
    if (supersededAt === undefined) return 61006;
    return now - supersededAt < this.knobs.ticketGraceS * 1000 ? 0 : 61005;
  }

  latest(componentAppid: string): { value: string; issuedAt: number } | undefined {
    return this.#tickets.get(componentAppid)?.latest;
  }

  clear(): void {
    this.#tickets.clear();
  }
}
