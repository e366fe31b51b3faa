import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, createLogger } from '@wxgate/platform';
import type { Logger } from 'pino';
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

@Injectable()
export class AccessLog {
  private readonly logger: Logger;
  private readonly env: string;

  constructor(@Inject(APP_CONFIG) config: ForwarderConfig) {
    this.logger = createLogger('forwarder', config.LOG_LEVEL).child({ context: 'access' });
    this.env = config.ENV_ID;
  }

  write(call: CallRecord, ms: number): void {
    this.logger.info(
      {
        seqid: call.seqid,
        env: this.env,
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
}
