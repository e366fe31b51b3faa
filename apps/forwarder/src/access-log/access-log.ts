import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '@wxgate/platform';
import { pino } from 'pino';
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

const BATCH_LINES = 64;
const FLUSH_MS = 200;

/**
 * One JSON line per call, in the service log's shape (`level`, `time`, `app`, `pid`, `context`),
 * written on the relay's hot path. Per-call logging through pino (with the platform logger's
 * redaction scan and one write per line) cost more CPU than relaying the call, so the line is
 * built directly — its fields are fixed, never secret, and only `from_appid` and the method need
 * escaping — and handed to the (asynchronous) destination in batches of BATCH_LINES, or every
 * FLUSH_MS: one write per batch instead of one per call.
 */
@Injectable()
export class AccessLog implements OnApplicationShutdown {
  private readonly destination = pino.destination({ dest: 1, sync: false });
  private pending: string[] = [];
  private readonly enabled: boolean;
  private readonly prefix: string;
  private readonly flusher = setInterval(() => this.flush(), FLUSH_MS).unref();

  constructor(@Inject(APP_CONFIG) config: ForwarderConfig) {
    this.enabled = pino.levels.values[config.LOG_LEVEL]! <= pino.levels.values.info!;
    this.prefix = `,"app":"forwarder","pid":${process.pid},"context":"access","env":${JSON.stringify(config.ENV_ID)}`;
  }

  write(call: CallRecord, ms: number): void {
    if (!this.enabled) return;
    let line = `{"level":"info","time":"${new Date().toISOString()}"${this.prefix},"seqid":"${call.seqid}","via":"${call.via}","method":${JSON.stringify(call.method)},"path":${JSON.stringify(call.path)}`;
    if (call.fromAppid !== undefined) line += `,"fromAppid":${JSON.stringify(call.fromAppid)}`;
    line += `,"status":${call.status}`;
    if (call.reason !== undefined) line += `,"reason":"${call.reason}"`;
    if (call.errcode !== undefined) line += `,"errcode":${call.errcode}`;
    if (call.retried) line += ',"retried":true';
    if (call.failover) line += ',"failover":true';
    this.pending.push(`${line},"ms":${Math.round(ms * 10) / 10},"msg":"call"}\n`);
    if (this.pending.length >= BATCH_LINES) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending.join('');
    this.pending = [];
    this.destination.write(batch);
  }

  onApplicationShutdown(): void {
    clearInterval(this.flusher);
    this.flush();
    try {
      this.destination.flushSync();
    } catch {
      // stdout is gone or busy; nothing more can be written anyway.
    }
  }
}
