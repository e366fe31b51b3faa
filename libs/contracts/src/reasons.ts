/**
 * Error reasons of SPEC §3 (NATS) and §5 (HTTP), with the errcode and HTTP status each maps to.
 */
export const Reason = {
  BAD_REQUEST: 'BAD_REQUEST',
  CREDENTIAL_NOT_FOUND: 'CREDENTIAL_NOT_FOUND',
  TOKEN_UNAVAILABLE: 'TOKEN_UNAVAILABLE',
  ENV_NOT_FOUND: 'ENV_NOT_FOUND',
  PATH_NOT_ALLOWED: 'PATH_NOT_ALLOWED',
  FROM_APPID_NOT_SHARED: 'FROM_APPID_NOT_SHARED',
  AUTHORIZER_NOT_AUTHORIZED: 'AUTHORIZER_NOT_AUTHORIZED',
  RESERVED_PATH: 'RESERVED_PATH',
  HOST_NOT_ALLOWED: 'HOST_NOT_ALLOWED',
  BAD_PATH: 'BAD_PATH',
  BAD_QUERY: 'BAD_QUERY',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  REQUEST_TOO_LARGE: 'REQUEST_TOO_LARGE',
  RESPONSE_TOO_LARGE: 'RESPONSE_TOO_LARGE',
  UPSTREAM_TIMEOUT: 'UPSTREAM_TIMEOUT',
  UPSTREAM_UNREACHABLE: 'UPSTREAM_UNREACHABLE',
  /** The connection comes from outside the relay's `RELAY_ALLOW_CIDRS` (docs/callers.md). */
  CALLER_NOT_ALLOWED: 'CALLER_NOT_ALLOWED',
  /** The environment lists callers and the request carries none of them (401; 407 for proxy forms). */
  CALLER_UNAUTHENTICATED: 'CALLER_UNAUTHENTICATED',
  /** The environment may not use that WeChat Pay merchant (or none / several are bound and none was named). */
  MERCHANT_NOT_BOUND: 'MERCHANT_NOT_BOUND',
  /** A WeChat Pay 2xx answer whose signature does not verify with the merchant's WeChat Pay keys: treated as forged. */
  UPSTREAM_SIGNATURE_INVALID: 'UPSTREAM_SIGNATURE_INVALID',
  /**
   * The secret or component token a caller offered to a token endpoint is wrong. `errcode` is
   * WeChat's own answer for it (40125 invalid appsecret, 40001 invalid credential).
   */
  CREDENTIAL_REJECTED: 'CREDENTIAL_REJECTED',
  /** Relay: an HTTP head Node cannot parse or wxgate will not read (bad version, CL/TE conflict, no Host). */
  MALFORMED_REQUEST: 'MALFORMED_REQUEST',
  /** Relay: a head over the size or count cap. */
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
  /** Relay: an `Expect` other than `100-continue`. */
  EXPECTATION_FAILED: 'EXPECTATION_FAILED',
  /** Relay: a head that did not arrive in time (slow or stuck sender). */
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  /** Not in SPEC: an unexpected failure inside wxgate (a bug); never carries the cause's details. */
  INTERNAL: 'INTERNAL',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

export const REASON_ERRCODE: Record<Reason, number> = {
  BAD_REQUEST: 47001,
  CREDENTIAL_NOT_FOUND: 40013,
  TOKEN_UNAVAILABLE: 85113,
  ENV_NOT_FOUND: 48001,
  PATH_NOT_ALLOWED: 85107,
  FROM_APPID_NOT_SHARED: 48001,
  AUTHORIZER_NOT_AUTHORIZED: 61007,
  RESERVED_PATH: 48001,
  HOST_NOT_ALLOWED: 48001,
  BAD_PATH: 40066,
  BAD_QUERY: 40066,
  METHOD_NOT_ALLOWED: 43001,
  REQUEST_TOO_LARGE: 45002,
  RESPONSE_TOO_LARGE: 85112,
  UPSTREAM_TIMEOUT: 85112,
  UPSTREAM_UNREACHABLE: 85112,
  CALLER_NOT_ALLOWED: 48001,
  // WeChat's "api unauthorized", never a token errcode: SDKs would try to refresh a token they lack.
  CALLER_UNAUTHENTICATED: 48001,
  MERCHANT_NOT_BOUND: 48001,
  UPSTREAM_SIGNATURE_INVALID: 85112,
  CREDENTIAL_REJECTED: 40001,
  MALFORMED_REQUEST: 47001,
  HEADERS_TOO_LARGE: 45002,
  EXPECTATION_FAILED: 47001,
  REQUEST_TIMEOUT: 47001,
  INTERNAL: -1,
};

export const REASON_HTTP_STATUS: Record<Reason, number> = {
  BAD_REQUEST: 400,
  CREDENTIAL_NOT_FOUND: 404,
  TOKEN_UNAVAILABLE: 503,
  ENV_NOT_FOUND: 403,
  PATH_NOT_ALLOWED: 403,
  FROM_APPID_NOT_SHARED: 403,
  AUTHORIZER_NOT_AUTHORIZED: 403,
  RESERVED_PATH: 403,
  HOST_NOT_ALLOWED: 403,
  BAD_PATH: 400,
  BAD_QUERY: 400,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TOO_LARGE: 413,
  RESPONSE_TOO_LARGE: 502,
  UPSTREAM_TIMEOUT: 504,
  UPSTREAM_UNREACHABLE: 502,
  CALLER_NOT_ALLOWED: 403,
  CALLER_UNAUTHENTICATED: 401,
  MERCHANT_NOT_BOUND: 403,
  UPSTREAM_SIGNATURE_INVALID: 502,
  /** WeChat answers a wrong secret or token with HTTP 200 and the errcode. */
  CREDENTIAL_REJECTED: 200,
  MALFORMED_REQUEST: 400,
  HEADERS_TOO_LARGE: 431,
  EXPECTATION_FAILED: 417,
  REQUEST_TIMEOUT: 408,
  INTERNAL: 500,
};
