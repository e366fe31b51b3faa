import { randomUUID } from 'node:crypto';
import type { Msg } from '@nats-io/transport-node';
import type { ConsumerDeserializer, ConsumerSerializer, IncomingRequest, OutgoingResponse } from '@nestjs/microservices';
import { NOT_JSON, Reason, REASON_ERRCODE, type ErrorBody } from '@wxgate/contracts';

const EMPTY = new Uint8Array(0);

/**
 * A value as UTF-8 JSON (empty for what JSON cannot say, e.g. undefined). `Buffer.from` takes small
 * replies from Node's shared pool instead of a fresh ArrayBuffer each (TextEncoder's cost), so the
 * bytes may share memory with others: send them, never keep them (EncodedReplies keeps its own).
 */
export function encodeJson(value: unknown): Uint8Array {
  const json = JSON.stringify(value);
  return json === undefined ? EMPTY : Buffer.from(json, 'utf8');
}

/** Parses a NATS payload: empty → `{}`, invalid → a marker that validation turns into BAD_REQUEST. */
export function decodePayload(data: Uint8Array): unknown {
  if (data.length === 0) return {};
  try {
    return JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    return { [NOT_JSON]: true };
  }
}

/**
 * Lets any NATS client call Nest `@MessagePattern` handlers with a raw JSON body (docs/nats-interface.md): the
 * pattern is the subscribed subject, the body is the payload, and a reply subject makes it a request.
 */
export class PlainJsonDeserializer implements ConsumerDeserializer {
  deserialize(value: Msg, options?: { channel?: string; replyTo?: string }): IncomingRequest {
    return {
      pattern: options?.channel ?? value.subject,
      data: decodePayload(value.data),
      id: value.reply ? randomUUID() : (undefined as unknown as string),
    };
  }
}

/** Replies with the handler's value as raw JSON, or `{"error":{reason,message,errcode}}`. */
export class PlainJsonSerializer implements ConsumerSerializer {
  serialize(packet: OutgoingResponse): { data: Uint8Array } {
    if (packet.err !== undefined && packet.err !== null) return { data: encodeErrorReply(packet.err) };
    return { data: encodeJson(packet.response ?? null) };
  }
}

/** `{"error":{reason,message,errcode}}`: the one encoding of an error reply (Nest and hot subjects alike). */
export function encodeErrorReply(err: unknown): Uint8Array {
  return encodeJson({ error: toErrorBody(err) });
}

function toErrorBody(err: unknown): ErrorBody {
  if (typeof err === 'object' && err !== null && 'reason' in err && 'message' in err) {
    const body = err as ErrorBody;
    return { reason: body.reason, message: body.message, errcode: body.errcode ?? REASON_ERRCODE[body.reason] };
  }
  return { reason: Reason.INTERNAL, message: 'internal error', errcode: REASON_ERRCODE.INTERNAL };
}
