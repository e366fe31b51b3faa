import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '@wxgate/platform';
import type { ConsoleConfig } from '../config.js';

export const SESSION_COOKIE = 'wxgate_console';

export interface ConsoleSession {
  id: string;
  /** Who signed in: the console has one operator password, so the client address names them. */
  who: string;
  /** Names the session in the audit log (the id itself never leaves the cookie). */
  tag: string;
  csrf: string;
  expiresAt: number;
  /** One message shown on the next page (after a redirect). */
  flash?: { kind: 'ok' | 'error'; text: string };
}

const MAX_SESSIONS = 1_000;

/**
 * Server-side sessions: the cookie holds only a random id (256 bits); everything else, the CSRF
 * token included, stays here. Sessions expire `CONSOLE_SESSION_TTL_S` after sign-in and are lost
 * when the console restarts (operators sign in again).
 */
@Injectable()
export class SessionStore implements OnApplicationShutdown {
  private readonly sessions = new Map<string, ConsoleSession>();
  private readonly sweeper: NodeJS.Timeout;
  readonly ttlMs: number;

  constructor(@Inject(APP_CONFIG) config: ConsoleConfig) {
    this.ttlMs = config.CONSOLE_SESSION_TTL_S * 1000;
    this.sweeper = setInterval(() => this.sweep(), 60_000).unref();
  }

  create(who: string): ConsoleSession {
    this.sweep();
    if (this.sessions.size >= MAX_SESSIONS) {
      // Oldest first: a flood of sign-ins cannot grow memory without bound.
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const session: ConsoleSession = { id: randomBytes(32).toString('base64url'), who, tag: randomBytes(4).toString('hex'), csrf: randomBytes(32).toString('base64url'), expiresAt: Date.now() + this.ttlMs };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: unknown): ConsoleSession | undefined {
    if (typeof id !== 'string') return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= Date.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(id);
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }
}
