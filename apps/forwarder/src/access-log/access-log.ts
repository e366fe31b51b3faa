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
  /** The authenticated caller's name (environments with callers, docs/callers.md). */
  caller?: string;
  status: number;
  reason?: string;
  /** WeChat's errcode, when the answer was small JSON that wxgate read. */
  errcode?: number;
  retried?: boolean;
  failover?: boolean;
}

const BATCH_LINES = 128;

/** A field's JSON string literal, kept for the last value seen: a relay's calls repeat the same few paths and appids. */
class LastEncoded {
  private last: string | undefined = undefined;
  private encoded = '';

  of(value: string): string {
    if (value !== this.last) {
      this.last = value;
      this.encoded = JSON.stringify(value);
    }
    return this.encoded;
  }
}

const FLUSH_MS = 200;

/**
 * One JSON line per call, in the service log's shape (`level`, `time`, `app`, `pid`, `context`),
 * on the relay's hot path. Through pino (the platform logger's redaction scan, one write per line)
 * it cost more CPU than relaying the call. Here a call only queues its record; every BATCH_LINES
 * calls, or FLUSH_MS, the batch is serialised — fixed fields, never secret, only `from_appid` and
 * the method need escaping — and written to stdout at once (synchronous for files and pipes on
 * Linux, so nothing is lost at exit).
 */
@Injectable()
export class AccessLog implements OnApplicationShutdown {
  private pendingCalls: CallRecord[] = [];
  private pendingMs: number[] = [];
  private pendingAt: number[] = [];
  private readonly enabled: boolean;
  private readonly prefix: string;
  private readonly flusher = setInterval(() => this.flush(), FLUSH_MS).unref();
  private readonly method = new LastEncoded();
  private readonly path = new LastEncoded();
  private readonly fromAppid = new LastEncoded();
  private readonly caller = new LastEncoded();

  constructor(@Inject(APP_CONFIG) config: ForwarderConfig) {
    this.enabled = pino.levels.values[config.LOG_LEVEL]! <= pino.levels.values.info!;
    this.prefix = `,"app":"forwarder","pid":${process.pid},"context":"access","env":${JSON.stringify(config.ENV_ID)}`;
  }

  write(call: CallRecord, ms: number): void {
    if (!this.enabled) return;
    this.pendingCalls.push(call);
    this.pendingMs.push(ms);
    this.pendingAt.push(Date.now());
    if (this.pendingCalls.length >= BATCH_LINES) this.flush();
  }

  /** Serialises the batch in one go (the hot path only keeps a reference to each call). */
  private flush(): void {
    const calls = this.pendingCalls;
    if (calls.length === 0) return;
    const ms = this.pendingMs;
    const at = this.pendingAt;
    this.pendingCalls = [];
    this.pendingMs = [];
    this.pendingAt = [];
    let batch = '';
    let lastAt = -1;
    let time = '';
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i]!;
      if (at[i] !== lastAt) {
        lastAt = at[i]!;
        time = new Date(lastAt).toISOString();
      }
      batch += `{"level":"info","time":"${time}"${this.prefix},"seqid":"${call.seqid}","via":"${call.via}","method":${this.method.of(call.method)},"path":${this.path.of(call.path)}`;
      if (call.fromAppid !== undefined) batch += `,"fromAppid":${this.fromAppid.of(call.fromAppid)}`;
      if (call.caller !== undefined) batch += `,"caller":${this.caller.of(call.caller)}`;
      batch += `,"status":${call.status}`;
      if (call.reason !== undefined) batch += `,"reason":"${call.reason}"`;
      if (call.errcode !== undefined) batch += `,"errcode":${call.errcode}`;
      if (call.retried) batch += ',"retried":true';
      if (call.failover) batch += ',"failover":true';
      batch += `,"ms":${Math.round(ms[i]! * 10) / 10},"msg":"call"}\n`;
    }
    process.stdout.write(batch);
  }

  onApplicationShutdown(): void {
    clearInterval(this.flusher);
    this.flush();
  }
}
