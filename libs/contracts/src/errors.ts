import { REASON_ERRCODE, type Reason } from './reasons.js';

/** The body of a failed NATS reply: `{"error":{reason,message,errcode}}` (docs/nats-interface.md). */
export interface ErrorBody {
  reason: Reason;
  message: string;
  errcode: number;
}
export interface ErrorReply {
  error: ErrorBody;
}

/**
 * A failure that is part of the contract. Thrown by use cases, turned into an error reply by the
 * NATS edge and into WeChat-shaped JSON by the HTTP edge. The message must never hold a secret.
 */
export class WxgateError extends Error {
  readonly errcode: number;
  constructor(
    readonly reason: Reason,
    message: string,
    errcode?: number,
  ) {
    super(message);
    this.name = 'WxgateError';
    this.errcode = errcode ?? REASON_ERRCODE[reason];
  }

  toBody(): ErrorBody {
    return { reason: this.reason, message: this.message, errcode: this.errcode };
  }

  static fromBody(body: ErrorBody): WxgateError {
    return new WxgateError(body.reason, body.message, body.errcode);
  }
}

export function isErrorReply(value: unknown): value is ErrorReply {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === 'object' && error !== null && 'reason' in error;
}
