/**
 * Helpers for the token-refresher e2e tests: secrets that are easy to find in raw bytes, WeChat
 * events published the way the callback receiver publishes them, and sandbox call counts.
 */
import { randomBytes } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Sandbox } from '../../apps/wechat-sandbox/src/sandbox.js';

export const PATHS = {
  componentToken: '/cgi-bin/component/api_component_token',
  authorizerToken: '/cgi-bin/component/api_authorizer_token',
  queryAuth: '/cgi-bin/component/api_query_auth',
  stableToken: '/cgi-bin/stable_token',
  startPush: '/cgi-bin/component/api_start_push_ticket',
  authorizerList: '/cgi-bin/component/api_get_authorizer_list',
} as const;

/** A distinctive secret (so a raw-bytes scan cannot miss it by accident). */
export const secretValue = (label: string) => `${label}${randomBytes(12).toString('hex')}`;

export const aesKey = () => randomBytes(32).toString('base64').slice(0, 43).replace(/[+/]/g, 'A');

export function appid(prefix: string): string {
  return `wx${prefix}${randomBytes(8).toString('hex')}`.slice(0, 18);
}

export function calls(sandbox: Sandbox, path: string): number {
  return sandbox.state.calls.count(path);
}

/** Publishes a decrypted WeChat event to WXGATE_EVENTS as the callback receiver does. */
export async function publishWechatEvent(nc: NatsConnection, event: { AppId: string; InfoType: string; CreateTime?: number } & Record<string, unknown>, msgId?: string): Promise<void> {
  const body = { CreateTime: Math.floor(Date.now() / 1000), ...event };
  await jetstream(nc).publish(`wxgate.events.wechat.${event.AppId}.${event.InfoType}`, JSON.stringify(body), msgId ? { msgID: msgId } : undefined);
}

/** Issues a ticket in the sandbox and delivers it as a `component_verify_ticket` event. */
export async function pushTicket(nc: NatsConnection, sandbox: Sandbox, componentAppid: string, createTime?: number): Promise<string> {
  const ticket = sandbox.state.tickets.issue(componentAppid);
  await publishWechatEvent(nc, { AppId: componentAppid, InfoType: 'component_verify_ticket', ComponentVerifyTicket: ticket, ...(createTime ? { CreateTime: createTime } : {}) });
  return ticket;
}

/** Collects every message on `subject` (core subscription) for later assertions. */
export function collect(nc: NatsConnection, subject: string): { messages: { subject: string; body: Record<string, unknown> }[]; stop(): void } {
  const messages: { subject: string; body: Record<string, unknown> }[] = [];
  const sub = nc.subscribe(subject, { callback: (_err, msg) => {
      messages.push({ subject: msg.subject, body: msg.json() });
    },
  });
  return { messages, stop: () => sub.unsubscribe() };
}
