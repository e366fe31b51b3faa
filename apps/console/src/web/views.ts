import { Injectable } from '@nestjs/common';
import { Eta } from 'eta';
import { age, formatDuration, formatTime, timeLeft } from '@wxgate/platform';
import { VIEWS_DIR } from '../paths.js';

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
}
