import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '@wxgate/platform';
import { pino, type Logger } from 'pino';
import type { ForwarderConfig } from '../config.js';

/** What one call leaves in the access log. Never a token and never the query string. */
export interface CallRecord {
  seqid: string;
  via: 'http' | 'https';
  method: string;
  path: string;
  fromAppid?: string;
  status: number;
  reason?: string;
  /** WeChat's errcode, when the answer was small JSON that wxgate read. */
  errcode?: number;
  retried?: boolean;
  failover?: boolean;
}

/**
 * One JSON line per call, in the same shape as the service log. It has its own pino instance: the
 * fields are fixed and never secret, so the platform logger's redaction (a scan of ~140 paths per
 * line) is skipped, and lines are written asynchronously (batched while a write is in flight)
 * instead of one blocking write per call.
 */
@Injectable()
export class AccessLog implements OnApplicationShutdown {
  private readonly destination = pino.destination({ dest: 1, sync: false });
  private readonly logger: Logger;

  constructor(@Inject(APP_CONFIG) config: ForwarderConfig) {
    this.logger = pino(
      {
        level: config.LOG_LEVEL,
        base: { app: 'forwarder', pid: process.pid, context: 'access', env: config.ENV_ID },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      this.destination,
    );
  }

  write(call: CallRecord, ms: number): void {
    this.logger.info(
      {
        seqid: call.seqid,
        via: call.via,
        method: call.method,
        path: call.path,
        fromAppid: call.fromAppid,
        status: call.status,
        reason: call.reason,
        errcode: call.errcode,
        retried: call.retried,
        failover: call.failover,
        ms: Math.round(ms * 10) / 10,
      },
      'call',
    );
  }

  onApplicationShutdown(): void {
    try {
      this.destination.flushSync();
    } catch {
      // stdout is gone or busy; nothing more can be written anyway.
    }
  }
}
