import { Reason, REASON_HTTP_STATUS } from '@wxgate/contracts';

export interface ParseFailure {
  reason: Reason;
  status: number;
  message: string;
}

/**
 * wxgate's answer to a request Node's HTTP parser refused (its `HPE_*` codes) or timed out,
 * `undefined` for anything that is not about the request's bytes (resets, TLS failures) — those
 * get no answer, only a closed socket. The reasons are listed in README's troubleshooting table.
 */
export function parseFailure(code: string | undefined): ParseFailure | undefined {
  if (code === undefined) return undefined;
  const known = KNOWN[code];
  if (known) return { ...known, status: REASON_HTTP_STATUS[known.reason] };
  if (code.startsWith('HPE_')) return { reason: Reason.MALFORMED_REQUEST, status: 400, message: `malformed HTTP request (${code.slice(4).toLowerCase().replaceAll('_', ' ')})` };
  return undefined;
}

const KNOWN: Readonly<Record<string, { reason: Reason; message: string }>> = {
  HPE_INVALID_URL: { reason: Reason.BAD_PATH, message: 'path may contain only A-Z a-z 0-9 / - _ . ~' },
  HPE_INVALID_METHOD: { reason: Reason.METHOD_NOT_ALLOWED, message: 'only GET and POST are relayed (methods are case-sensitive)' },
  HPE_HEADER_OVERFLOW: { reason: Reason.HEADERS_TOO_LARGE, message: 'request head exceeds RELAY_MAX_HEADER_BYTES' },
  ERR_HTTP_REQUEST_TIMEOUT: { reason: Reason.REQUEST_TIMEOUT, message: 'request head not received within RELAY_HEADERS_TIMEOUT_MS' },
};
