import { Injectable } from '@nestjs/common';
import { Subjects, type CredentialListItem, type PingReply, type RelayStatsReply } from '@wxgate/contracts';
import type { EventsStatus } from '@wxgate/nats';
import { TrafficSampler } from '../traffic/traffic-sampler.js';
import { AdminClient, AdminFailure } from './admin-client.js';

export const SERVICES = ['token-refresher', 'policy', 'forwarder'] as const;
/** A component whose newest ticket is older than this is asked to resume pushing (docs/console.md). */
export const TICKET_STALE_MS = 20 * 60_000;

export interface Overview {
  services: { app: string; replicas: PingReply[] }[];
  missing: string[];
  credentials: CredentialListItem[] | { error: string };
  tickets: { componentAppid: string; ticketAt?: number; stale: boolean }[];
  events: EventsStatus | { error: string };
  relays: RelayStatsReply[];
  lastHour: { total: number; byReason: Record<string, number> };
}

/** Everything the overview shows, each part independent: one service down blanks only its panel. */
@Injectable()
export class ReadOverview {
  constructor(
    private readonly admin: AdminClient,
    private readonly traffic: TrafficSampler,
  ) {}

  async execute(): Promise<Overview> {
    const [pings, credentials, events] = await Promise.all([
      this.admin.ping(),
      this.admin.request<CredentialListItem[]>(Subjects.admin.credentialsList, {}).catch((err: unknown) => ({ error: err instanceof AdminFailure ? err.message : String(err) })),
      this.admin.events(),
    ]);
    const apps = [...new Set([...SERVICES, ...pings.map((p) => p.app)])];
    const now = Date.now();
    const tickets = Array.isArray(credentials)
      ? credentials.filter((c) => c.kind === 'component').map((c) => ({ componentAppid: c.appid, ticketAt: c.ticketAt, stale: c.ticketAt === undefined || now - c.ticketAt > TICKET_STALE_MS }))
      : [];
    return {
      services: apps.map((app) => ({ app, replicas: pings.filter((p) => p.app === app) })),
      missing: SERVICES.filter((app) => !pings.some((p) => p.app === app)),
      credentials,
      tickets,
      events,
      relays: this.traffic.latest,
      lastHour: this.traffic.lastHour(),
    };
  }
}
