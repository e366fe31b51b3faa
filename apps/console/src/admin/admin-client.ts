import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { serviceOfSubject, Subjects, WxgateError, type PingReply, type RelayStatsReply } from '@wxgate/contracts';
import { eventsStatus, gatherReplies, NATS_CONNECTION, NatsUnavailableError, pingAll, requestJson, type EventsStatus } from '@wxgate/nats';
import { APP_CONFIG } from '@wxgate/platform';
import type { ConsoleConfig } from '../config.js';

/** A refused or unanswered admin request, as the page shows it. */
export class AdminFailure extends Error {
  constructor(
    readonly reason: string,
    message: string,
    /** No service answered (as opposed to a refusal). */
    readonly unavailable = false,
  ) {
    super(message);
    this.name = 'AdminFailure';
  }
}

/**
 * The console's only way to wxgate: the admin subjects over NATS, the same requests the CLI makes.
 * Error replies keep their reason and message (e.g. `BAD_REQUEST` naming the bad path).
 */
@Injectable()
export class AdminClient {
  private readonly timeoutMs: number;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_CONFIG) config: ConsoleConfig,
  ) {
    this.timeoutMs = config.CONSOLE_REQUEST_TIMEOUT_MS;
  }

  async request<T>(subject: string, payload: unknown = {}): Promise<T> {
    try {
      return await requestJson<T>(this.nc, subject, payload, this.timeoutMs);
    } catch (err) {
      if (err instanceof WxgateError) throw new AdminFailure(err.reason, err.message);
      if (err instanceof NatsUnavailableError) {
        const cause = /no responders|503/i.test(err.message) ? 'no responders' : 'no answer in time';
        throw new AdminFailure('UNAVAILABLE', `${serviceOfSubject(subject)} is not answering on ${subject} (${cause})`, true);
      }
      throw err;
    }
  }

  /** `request`, with "nobody serves this subject" as `undefined` (an optional extension). */
  async optional<T>(subject: string, payload: unknown = {}): Promise<T | undefined> {
    try {
      return await this.request<T>(subject, payload);
    } catch (err) {
      if (err instanceof AdminFailure && err.unavailable) return undefined;
      throw err;
    }
  }

  ping(): Promise<PingReply[]> {
    return pingAll(this.nc);
  }

  relayStats(): Promise<RelayStatsReply[]> {
    return gatherReplies<RelayStatsReply>(this.nc, Subjects.admin.relayStats);
  }

  events(): Promise<EventsStatus | { error: string }> {
    return eventsStatus(this.nc, this.timeoutMs);
  }
}
