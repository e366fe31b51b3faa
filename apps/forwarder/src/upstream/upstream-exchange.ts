import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Deadline, Deadlines } from './deadlines.js';
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
 * One request to WeChat as an undici dispatch handler (undici's controller API: pause, resume and
 * abort go through the controller): no response stream and no promise per chunk. Small JSON
 * answers are collected whole (step 10 needs their errcode); anything else is written into the
 * sink as it arrives, with backpressure, and cut past MAX_BODY_BYTES when it declared no length
 * (step 9). Resolves once the answer is buffered or its headers were sent; rejects for failures
 * before that (connection, timeout, a declared length over the limit).
 */
export class UpstreamExchange implements Dispatcher.DispatchHandler, Deadline {
  readonly answer: Promise<UpstreamAnswer>;
  private resolve!: (answer: UpstreamAnswer) => void;
  private reject!: (err: Error) => void;
  private controller?: Dispatcher.DispatchController;
  private pendingAbort?: Error;
  /** `performance.now()` when the request was handed to undici. */
  readonly started = performance.now();
  deadline = 0;
  previousDeadline: Deadline | undefined = undefined;
  nextDeadline: Deadline | undefined = undefined;
  private mode: 'waiting' | 'buffering' | 'streaming' | 'done' = 'waiting';
  private statusCode = 0;
  private headers: string[] = [];
  private declaredLength: number | undefined;
  private chunks: Buffer[] | undefined;
  private size = 0;
  /** Made when the caller's buffer first fills (most answers never wait). */
  private resumeOnDrain?: () => void;
  /** Set when the request was aborted here (timeout, too large), to report why. */
  private failure?: Error;

  constructor(
    private readonly sink: AnswerSink,
    private readonly limits: ExchangeLimits,
    private readonly deadlines: Deadlines,
    private readonly onAnswered: (exchange: UpstreamExchange) => void,
  ) {
    this.answer = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    deadlines.add(this, this.started);
  }

  /** No answer's head within UPSTREAM_TIMEOUT_MS. */
  expire(): void {
    this.abort(new UpstreamTimeoutError(this.deadlines.ms));
  }

  /** Stops the exchange (timeout, the caller went away); a streamed answer is cut. */
  abort(err: Error): void {
    if (this.mode === 'done') return;
    this.failure ??= err;
    if (this.controller) this.controller.abort(err);
    else this.pendingAbort = err;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.pendingAbort) controller.abort(this.pendingAbort);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return;
    this.deadlines.remove(this);
    this.onAnswered(this);
    this.statusCode = statusCode;
    // One pass straight into the answer's header list (names come lower-cased, repeated fields as arrays).
    const named = headers.connection === undefined ? undefined : connectionNamed(headers.connection);
    const out = this.headers;
    let json = false;
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      if (name === CONTENT_LENGTH) this.declaredLength = Number(typeof value === 'string' ? value : value[value.length - 1]);
      else if (name === 'content-type' && typeof value === 'string') json = value.includes('json') || value.startsWith('text/plain');
      if (HOP_BY_HOP.has(name) || name === 'x-openapi-seqid' || named?.has(name)) continue;
      if (typeof value === 'string') out.push(name, value);
      else for (const one of value) out.push(name, one);
    }
    if (this.declaredLength !== undefined && this.declaredLength > this.limits.maxBody) {
      this.abort(new ResponseTooLargeError(this.declaredLength, this.limits.maxBody));
      return;
    }
    if (this.limits.bufferAll || (json && (this.declaredLength === undefined || this.declaredLength <= INSPECT_LIMIT))) {
      this.mode = 'buffering';
      return;
    }
    this.startStreaming(controller);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.mode === 'buffering') {
      (this.chunks ??= []).push(chunk);
      this.size += chunk.length;
      if (this.size <= INSPECT_LIMIT) return;
      if (this.limits.bufferAll) {
        if (this.size > this.limits.maxBody) this.abort(new ResponseTooLargeError(this.size, this.limits.maxBody));
        return;
      }
      if (this.startStreaming(controller) && this.sink.congested) this.waitForDrain(controller);
      return;
    }
    if (this.mode !== 'streaming') return;
    if (this.sink.gone) {
      controller.pause();
      return;
    }
    this.size += chunk.length;
    if (this.declaredLength === undefined && this.size > this.limits.maxBody) {
      // Step 9: a chunked answer past the limit is cut; the caller sees a truncated body.
      this.sink.tooLarge();
      this.abort(new ResponseTooLargeError(this.size, this.limits.maxBody));
      return;
    }
    if (!this.sink.write(chunk)) this.waitForDrain(controller);
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, _trailers: IncomingHttpHeaders): void {
    this.deadlines.remove(this);
    if (this.mode === 'buffering') {
      this.mode = 'done';
      const chunks = this.chunks;
      const body = chunks === undefined ? Buffer.alloc(0) : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.size);
      if (this.declaredLength === undefined) this.headers.push(CONTENT_LENGTH, String(body.length));
      this.resolve({ kind: 'buffered', statusCode: this.statusCode, headers: this.headers, body, errcode: readErrcode(body) });
      return;
    }
    this.mode = 'done';
    this.sink.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.deadlines.remove(this);
    const streaming = this.mode === 'streaming';
    this.mode = 'done';
    if (streaming) {
      this.sink.cut();
      return;
    }
    this.reject(this.failure ?? err);
  }

  /** Sends the head (and what was buffered) into the sink; false when Node refused the head. */
  private startStreaming(controller: Dispatcher.DispatchController): boolean {
    const sink = this.sink;
    if (!sink.gone) {
      try {
        sink.start(this.statusCode, this.headers);
      } catch (err) {
        // A header Node refuses to send (e.g. control bytes in a value): nothing went out yet.
        this.mode = 'done';
        this.reject(err as Error);
        controller.abort(err as Error);
        return false;
      }
      if (this.chunks !== undefined) for (const chunk of this.chunks) sink.write(chunk);
    }
    this.mode = 'streaming';
    this.chunks = undefined;
    this.resolve({ kind: 'streamed', statusCode: this.statusCode });
    return true;
  }

  private waitForDrain(controller: Dispatcher.DispatchController): void {
    controller.pause();
    this.sink.whenDrained((this.resumeOnDrain ??= () => this.controller?.resume()));
  }
}
