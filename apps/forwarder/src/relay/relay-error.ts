import { STATUS_CODES, type ServerResponse } from 'node:http';
import { REASON_ERRCODE, REASON_HTTP_STATUS, type Reason } from '@wxgate/contracts';

/** wxgate's own answer in WeChat's shape (SPEC §5): `{"errcode","errmsg","reason"}`. */
export function errorBody(reason: Reason, message: string, errcode = REASON_ERRCODE[reason]): string {
  return JSON.stringify({ errcode, errmsg: message, reason });
}

/** Sends wxgate's error answer; a response already under way can only be cut. */
export function sendRelayError(res: ServerResponse, seqid: string, reason: Reason, message: string, errcode?: number): number {
  const status = REASON_HTTP_STATUS[reason];
  if (res.headersSent) {
    res.destroy();
    return status;
  }
  const body = errorBody(reason, message, errcode);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-openapi-seqid': seqid,
  });
  res.end(body);
  return status;
}

/** The same answer as raw HTTP/1.1 bytes, for sockets without a ServerResponse (CONNECT, parse errors). */
export function rawErrorResponse(seqid: string, reason: Reason, message: string): string {
  const body = errorBody(reason, message);
  const status = REASON_HTTP_STATUS[reason];
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    'content-type: application/json; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    `x-openapi-seqid: ${seqid}\r\n` +
    'connection: close\r\n\r\n' +
    body
  );
}
