import { Injectable } from '@nestjs/common';
import { Eta } from 'eta';
import { age, formatDuration, formatTime, timeLeft } from '@wxgate/platform';
import { AdminFailure } from '../admin/admin-client.js';
import { VIEWS_DIR } from '../paths.js';
import type { ConsoleSession } from '../security/session-store.js';
import type { ConsoleRequest, ConsoleResponse } from './console-request.js';

/** Helpers every template may use as `it.fmt.*`. */
const fmt = { age, formatDuration, formatTime, timeLeft };

/**
 * Server-side HTML with Eta: `<%= %>` escapes (autoEscape), templates are compiled once and cached.
 * Templates never see a secret: the pages only ever get what the admin subjects return.
 */
@Injectable()
export class Views {
  private readonly eta = new Eta({ views: VIEWS_DIR, cache: true, autoEscape: true, autoTrim: [false, 'nl'] });

  render(template: string, data: Record<string, unknown>): string {
    return this.eta.render(template, { ...data, fmt, now: Date.now() });
  }

  /** A full page for the signed-in operator, with the message left by the previous change. */
  page(req: ConsoleRequest, res: ConsoleResponse, template: string, data: Record<string, unknown>, status = 200): void {
    const session = req.consoleSession;
    const flash = session?.flash;
    if (session) session.flash = undefined;
    res.status(status).type('html').send(this.render(template, { ...data, session, flash }));
  }

  /** After a change: back to a page (POST-redirect-GET), with one line saying what happened. */
  redirect(req: ConsoleRequest, res: ConsoleResponse, to: string, flash?: ConsoleSession['flash']): void {
    if (req.consoleSession && flash) req.consoleSession.flash = flash;
    res.redirect(303, to);
  }
}

/** The HTTP status a page shows a refused admin request with. */
export function statusOf(err: AdminFailure): number {
  if (err.unavailable) return 503;
  if (err.reason.endsWith('_NOT_FOUND')) return 404;
  return 400;
}

/** Runs an admin change; a refusal becomes the page's error (status and the service's own words), anything else is thrown. */
export async function attempt<T>(change: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; status: number; error: string }> {
  try {
    return { ok: true, value: await change() };
  } catch (err) {
    if (err instanceof AdminFailure) return { ok: false, status: statusOf(err), error: err.unavailable ? err.message : `${err.reason}: ${err.message}` };
    throw err;
  }
}
