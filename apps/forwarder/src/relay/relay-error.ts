import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { REASON_ERRCODE, REASON_HTTP_STATUS, type Reason } from '@wxgate/contracts';

/** Where an answer departs from its reason's usual status (407 for proxy forms) or needs a header. */
export interface ErrorExtras {
  status?: number;
  headers?: Readonly<Record<string, string>>;
}

/** wxgate's own answer in WeChat's shape (SPEC §5): `{"errcode","errmsg","reason"}`. */
export function errorBody(reason: Reason, message: string, errcode = REASON_ERRCODE[reason]): string {
  return JSON.stringify({ errcode, errmsg: message, reason });
}

/** Sends wxgate's error answer; a response already under way can only be cut. */
export function sendRelayError(res: ServerResponse, seqid: string, reason: Reason, message: string, errcode?: number, extras?: ErrorExtras): number {
  const status = extras?.status ?? REASON_HTTP_STATUS[reason];
  if (res.headersSent) {
    res.destroy();
    return status;
  }
  const body = errorBody(reason, message, errcode);
  res.writeHead(status, {
    ...extras?.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-openapi-seqid': seqid,
  });
  res.end(body);
  return status;
}

/** The same answer as raw HTTP/1.1 bytes, for sockets without a ServerResponse (CONNECT, parse errors). */
export function rawErrorResponse(seqid: string, reason: Reason, message: string, extras?: ErrorExtras): string {
  const body = errorBody(reason, message);
  const status = extras?.status ?? REASON_HTTP_STATUS[reason];
  let extra = '';
  for (const [name, value] of Object.entries(extras?.headers ?? {})) extra += `${name}: ${value}\r\n`;
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    extra +
    'content-type: application/json; charset=utf-8\r\n' +
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
