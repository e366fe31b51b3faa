import { Injectable, Logger } from '@nestjs/common';
import type { ConsoleRequest } from './console-request.js';

/**
 * Every change made in the console, one log line each: who (client address and a per-session tag;
 * there is one operator password), what, on which object, and the outcome. Never a secret value:
 * callers pass identifiers only, and the logger redacts secret-named fields on top.
 */
@Injectable()
export class Audit {
  private readonly logger = new Logger('Audit');

  record(req: ConsoleRequest, action: string, details: Record<string, unknown>, outcome: 'ok' | string = 'ok'): void {
    const session = req.consoleSession;
    const entry = { msg: `console ${action}: ${outcome}`, audit: true, action, outcome, who: session ? `${session.who} session ${session.tag}` : `anonymous from ${req.ip}`, ...details };
    if (outcome === 'ok') this.logger.log(entry);
    else this.logger.warn(entry);
  }
}
