import type { Dispatcher } from 'undici';
import { connectionNamed, HOP_BY_HOP } from './hop-by-hop.js';
import { INSPECT_LIMIT, readErrcode } from './response-errcode.js';

/**
 * Where a streamed answer goes (the relay's caller, see relay/respond.ts): the exchange drives it
 * and never sees the caller's response itself.
 */
export interface AnswerSink {
  /** The caller is gone: nothing more is written. */
  readonly gone: boolean;
  /** The caller's buffer is full: wait for `whenDrained`. */
  readonly congested: boolean;
  /** Sends status and headers; throws (nothing sent) when Node refuses one of the headers. */
  start(statusCode: number, headers: string[]): void;
  /** False: wait for `whenDrained` before writing more. */
  write(chunk: Buffer): boolean;
  whenDrained(resume: () => void): void;
  end(): void;
  /** The answer grew past the size limit and is about to be cut. */
  tooLarge(): void;
  /** Closes the caller's connection mid-answer (the body is truncated). */
  cut(): void;
}

/** What an exchange may read: MAX_BODY_BYTES, and whether every answer is read whole. */
export interface ExchangeLimits {
  /** MAX_BODY_BYTES for the response. */
  maxBody: number;
  /** Read every answer whole, up to `maxBody` (WeChat Pay: its signature is checked before relaying). */
  bufferAll: boolean;
}

/** A small JSON answer read whole (so step 10 can see its errcode), not yet sent to the caller. */
export interface BufferedAnswer {
  kind: 'buffered';
  statusCode: number;
  /** Flat `[name, value, …]`, hop-by-hop and WeChat's `x-openapi-seqid` removed, `content-length` set. */
  headers: string[];
  body: Buffer;
  errcode: number | undefined;
}

/** Everything else: already on its way to the caller when this resolves. */
export interface StreamedAnswer {
  kind: 'streamed';
  statusCode: number;
}

export type UpstreamAnswer = BufferedAnswer | StreamedAnswer;

export class ResponseTooLargeError extends Error {
  constructor(
    readonly declared: number,
    readonly limit: number,
  ) {
    super(`WeChat's answer of ${declared} bytes exceeds ${limit}`);
    this.name = 'ResponseTooLargeError';
  }
}

export class UpstreamTimeoutError extends Error {
  constructor(ms: number) {
    super(`WeChat did not answer within ${ms} ms`);
    this.name = 'UpstreamTimeoutError';
  }
}

const CONTENT_LENGTH = 'content-length';

/**
 * One request to WeChat as an undici dispatch handler: no response stream and no promise per
 * chunk. Small JSON answers are collected whole (step 10 needs their errcode); anything else is
 * written to the caller as it arrives, with backpressure, and cut past MAX_BODY_BYTES when it
 * declared no length (step 9). Resolves once the answer is buffered or its headers were sent;
 * rejects for failures before that (connection, timeout, a declared length over the limit).
 */
export class UpstreamExchange implements Dispatcher.DispatchHandler {
  readonly answer: Promise<UpstreamAnswer>;
  private resolve!: (answer: UpstreamAnswer) => void;
  private reject!: (err: Error) => void;
  private abortRequest?: (err?: Error) => void;
  private pendingAbort?: Error;
  private readonly timer: NodeJS.Timeout;
  /** `performance.now()` when the request was handed to undici. */
  readonly started = performance.now();
  private mode: 'waiting' | 'buffering' | 'streaming' | 'done' = 'waiting';
  private statusCode = 0;
  private headers: string[] = [];
  private declaredLength: number | undefined;
  private chunks: Buffer[] = [];
  private size = 0;
  private resumeUpstream?: () => void;
  private readonly resumeOnDrain = () => this.resumeUpstream?.();
  /** Set when the request was aborted here (timeout, too large), to report why. */
  private failure?: Error;

  constructor(
    private readonly sink: AnswerSink,
    private readonly limits: ExchangeLimits,
    timeoutMs: number,
    private readonly onAnswered: (exchange: UpstreamExchange) => void,
  ) {
    this.answer = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.timer = setTimeout(() => this.abort(new UpstreamTimeoutError(timeoutMs)), timeoutMs);
  }

  /** Stops the exchange (timeout, the caller went away); a streamed answer is cut. */
  abort(err: Error): void {
    if (this.mode === 'done') return;
    this.failure ??= err;
    if (this.abortRequest) this.abortRequest(err);
    else this.pendingAbort = err;
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortRequest = abort;
    if (this.pendingAbort) abort(this.pendingAbort);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true;
    clearTimeout(this.timer);
    this.onAnswered(this);
    this.statusCode = statusCode;
    this.resumeUpstream = resume;
    // One pass straight into the answer's header list; the rare `Connection`-named headers are
    // filtered out afterwards (the `Connection` field may come after the fields it names).
    let named: ReadonlySet<string> | undefined;
    let json = false;
    let headers = this.headers;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const lower = rawHeaders[i]!.toString('latin1').toLowerCase();
      const value = rawHeaders[i + 1]!.toString('latin1');
      if (lower === 'connection') named = connectionNamed(value);
      else if (lower === CONTENT_LENGTH) this.declaredLength = Number(value);
      else if (lower === 'content-type') json = value.includes('json') || value.startsWith('text/plain');
      if (HOP_BY_HOP.has(lower) || lower === 'x-openapi-seqid') continue;
      headers.push(lower, value);
    }
    if (named !== undefined) {
      const kept: string[] = [];
      for (let i = 0; i < headers.length; i += 2) if (!named.has(headers[i]!)) kept.push(headers[i]!, headers[i + 1]!);
      headers = this.headers = kept;
    }
    if (this.declaredLength !== undefined && this.declaredLength > this.limits.maxBody) {
      this.abort(new ResponseTooLargeError(this.declaredLength, this.limits.maxBody));
      return false;
    }
    if (this.limits.bufferAll || (json && (this.declaredLength === undefined || this.declaredLength <= INSPECT_LIMIT))) {
      this.mode = 'buffering';
      return true;
    }
    this.startStreaming();
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.mode === 'buffering') {
      this.chunks.push(chunk);
      this.size += chunk.length;
      if (this.size <= INSPECT_LIMIT) return true;
      if (this.limits.bufferAll) {
        if (this.size <= this.limits.maxBody) return true;
        this.abort(new ResponseTooLargeError(this.size, this.limits.maxBody));
        return false;
      }
      return this.startStreaming() && (!this.sink.congested || this.waitForDrain());
    }
    if (this.mode !== 'streaming' || this.sink.gone) return false;
    this.size += chunk.length;
    if (this.declaredLength === undefined && this.size > this.limits.maxBody) {
      // Step 9: a chunked answer past the limit is cut; the caller sees a truncated body.
      this.sink.tooLarge();
      this.abort(new ResponseTooLargeError(this.size, this.limits.maxBody));
      return false;
    }
    return this.sink.write(chunk) || this.waitForDrain();
  }

  onComplete(): void {
    clearTimeout(this.timer);
    if (this.mode === 'buffering') {
      this.mode = 'done';
      const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
      if (this.declaredLength === undefined) this.headers.push(CONTENT_LENGTH, String(body.length));
      this.resolve({ kind: 'buffered', statusCode: this.statusCode, headers: this.headers, body, errcode: readErrcode(body) });
      return;
    }
    this.mode = 'done';
    this.sink.end();
  }

  onError(err: Error): void {
    clearTimeout(this.timer);
    const streaming = this.mode === 'streaming';
    this.mode = 'done';
    if (streaming) {
      this.sink.cut();
      return;
    }
    this.reject(this.failure ?? err);
  }

  /** Sends the head (and what was buffered) to the caller; false when Node refused the head. */
  private startStreaming(): boolean {
    const sink = this.sink;
    if (!sink.gone) {
      try {
        sink.start(this.statusCode, this.headers);
      } catch (err) {
        // A header Node refuses to send (e.g. control bytes in a value): nothing went out yet.
        this.mode = 'done';
        this.reject(err as Error);
        this.abortRequest?.(err as Error);
        return false;
      }
      for (const chunk of this.chunks) sink.write(chunk);
    }
    this.mode = 'streaming';
    this.chunks = [];
    this.resolve({ kind: 'streamed', statusCode: this.statusCode });
    return true;
  }

  private waitForDrain(): false {
    this.sink.whenDrained(this.resumeOnDrain);
    return false;
  }
}
