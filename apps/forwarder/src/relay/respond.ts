import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Reason, REASON_ERRCODE, REASON_HTTP_STATUS } from '@wxgate/contracts';
import type { CallRecord } from '../access-log/access-log.js';
import type { AnswerSink, BufferedAnswer } from '../upstream/upstream-exchange.js';

/**
 * The one place that writes to a caller (docs/http-behaviour.md): wxgate's own answers (errors in
 * WeChat's or WeChat Pay's shape, token-endpoint answers), WeChat's answers (buffered or streamed),
 * and the raw bytes written on sockets without a ServerResponse (CONNECT, parse failures, refused
 * connections). Every answer carries `x-openapi-seqid` (step 8).
 */

/** Where an answer departs from its reason's usual status (407 for proxy forms) or needs a header. */
export interface ErrorExtras {
  status?: number;
  headers?: Readonly<Record<string, string>>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** wxgate's own answer in WeChat's shape (docs/errors.md): `{"errcode","errmsg","reason"}`. */
export function errorBody(reason: Reason, message: string, errcode = REASON_ERRCODE[reason]): string {
  return JSON.stringify({ errcode, errmsg: message, reason });
}

/** Sends wxgate's error answer and notes it on `call`; a response already under way can only be cut. */
export function sendError(res: ServerResponse, call: CallRecord, reason: Reason, message: string, errcode?: number, extras?: ErrorExtras): void {
  call.reason = reason;
  call.status = extras?.status ?? REASON_HTTP_STATUS[reason];
  sendJson(res, call.seqid, call.status, errorBody(reason, message, errcode), extras?.headers);
}

/** wxgate's own error on a WeChat Pay call, in WeChat Pay's shape `{"code","message"}` (docs/wechat-pay.md). */
export function sendPayError(res: ServerResponse, call: CallRecord, reason: Reason, message: string): void {
  call.reason = reason;
  call.status = REASON_HTTP_STATUS[reason];
  sendJson(res, call.seqid, call.status, JSON.stringify({ code: reason, message }));
}

/** A token endpoint's answer in WeChat's shape (docs/sdk.md). */
export function sendAnswer(res: ServerResponse, call: CallRecord, status: number, answer: object, errcode: number | undefined): void {
  call.status = status;
  call.errcode = errcode;
  sendJson(res, call.seqid, status, JSON.stringify(answer));
}

function sendJson(res: ServerResponse, seqid: string, status: number, body: string, extra?: Readonly<Record<string, string>>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (res.destroyed) return;
  res.writeHead(status, { ...extra, 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body), 'x-openapi-seqid': seqid });
  res.end(body);
}

/** WeChat's (or WeChat Pay's) answer, read whole. */
export function sendBuffered(res: ServerResponse, call: CallRecord, answer: BufferedAnswer): void {
  call.status = answer.statusCode;
  if (res.destroyed) return;
  answer.headers.push('x-openapi-seqid', call.seqid);
  res.writeHead(answer.statusCode, answer.headers);
  res.end(answer.body);
}

/**
 * WeChat's answer streamed to the caller as it arrives (the upstream exchange drives it, with
 * backpressure); a cut answer closes the caller's connection, the body truncated (step 9).
 */
export class StreamedAnswer implements AnswerSink {
  private resume?: () => void;

  constructor(
    private readonly res: ServerResponse,
    private readonly call: CallRecord,
  ) {}

  get gone(): boolean {
    return this.res.destroyed;
  }

  get congested(): boolean {
    return this.res.writableNeedDrain;
  }

  start(statusCode: number, headers: string[]): void {
    headers.push('x-openapi-seqid', this.call.seqid);
    this.res.writeHead(statusCode, headers);
  }

  write(chunk: Buffer): boolean {
    return this.res.write(chunk);
  }

  whenDrained(resume: () => void): void {
    this.resume = resume;
    this.res.once('drain', resume);
  }

  end(): void {
    this.stopWaiting();
    this.res.end();
  }

  tooLarge(): void {
    this.call.reason = Reason.RESPONSE_TOO_LARGE;
  }

  cut(): void {
    this.stopWaiting();
    this.res.destroy();
  }

  private stopWaiting(): void {
    if (this.resume) this.res.off('drain', this.resume);
    this.resume = undefined;
  }
}

/** `200 Connection Established` on a CONNECT the relay tunnels. */
export function openTunnel(socket: Socket, seqid: string): void {
  socket.write(`HTTP/1.1 200 Connection Established\r\nx-openapi-seqid: ${seqid}\r\n\r\n`);
}

/** The error answer as raw HTTP/1.1 bytes, for sockets without a ServerResponse (CONNECT, parse errors). */
export function rawErrorResponse(seqid: string, reason: Reason, message: string, extras?: ErrorExtras): string {
  const body = errorBody(reason, message);
  const status = extras?.status ?? REASON_HTTP_STATUS[reason];
  let extra = '';
  for (const [name, value] of Object.entries(extras?.headers ?? {})) extra += `${name}: ${value}\r\n`;
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    extra +
    `content-type: ${JSON_TYPE}\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    `x-openapi-seqid: ${seqid}\r\n` +
    'connection: close\r\n\r\n' +
    body
  );
}

/** A refused socket gets this long to read its answer, then is closed whatever the peer does. */
const LINGER_MS = 2_000;

/** Writes a raw answer and closes the socket after it, at the latest LINGER_MS later. */
export function answerAndClose(socket: Socket, answer: string): void {
  socket.end(answer);
  socket.setTimeout(LINGER_MS, () => socket.destroy());
}
