import type { NatsConnection } from '@nats-io/transport-node';
import { WxgateError, isErrorReply, Reason } from '@wxgate/contracts';
import { decodePayload, encodeJson } from './plain-json.js';

/**
 * A plain-JSON NATS request. An error reply is thrown as WxgateError; no responders or a timeout
 * throw `NatsUnavailableError` so callers can tell "refused" from "nobody answered".
 */
export async function requestJson<T>(nc: NatsConnection, subject: string, payload: unknown = {}, timeoutMs = 5_000): Promise<T> {
  let reply;
  try {
    reply = await nc.request(subject, encodeJson(payload), { timeout: timeoutMs });
  } catch (err) {
    throw new NatsUnavailableError(subject, err instanceof Error ? err.message : String(err));
  }
  const body = decodePayload(reply.data);
  if (isErrorReply(body)) throw WxgateError.fromBody(body.error);
  return body as T;
}

export class NatsUnavailableError extends Error {
  constructor(
    readonly subject: string,
    cause: string,
  ) {
    super(`no answer on ${subject}: ${cause}`);
    this.name = 'NatsUnavailableError';
  }
}

export { Reason };
