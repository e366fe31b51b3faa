/**
 * HotResponder (libs/nats/src/hot-responder.ts) against the Nest path it replaces, on a real NATS:
 * one Nest microservice (natsMicroservice: plain-JSON transport, RpcErrorFilter, ZodPayload) and
 * hot responders with the same handlers answer the same requests with the same bytes; the queue
 * group shares the load with no request answered twice; drain answers what it took and then takes
 * nothing more.
 */
import 'reflect-metadata';
import { Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, MessagePattern, Payload, type NatsContext } from '@nestjs/microservices';
import { createInbox, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { parsePayload, PolicyCheckRequest, Reason, WxgateError } from '@wxgate/contracts';
import { decodePayload, EncodedReplies, natsMicroservice, NatsController, serveHot, ZodPayload, type HotResponder } from '@wxgate/nats';
import { natsClient, startNatsServer, waitFor, type NatsServerHandle } from './support/harness.js';

/** The handlers both paths run: `<case>` is the last subject token. */
const cases: Record<string, (body: unknown) => unknown> = {
  value: () => ({ kind: 'app', appid: 'wx1234567890abcdef', token: 't', expiresAt: 1 }),
  async: async () => ({ allowed: true, revision: 3 }),
  undefined: () => undefined,
  wxgate: () => {
    throw new WxgateError(Reason.CREDENTIAL_NOT_FOUND, 'no app wx1234567890abcdef');
  },
  wxgateAsync: async () => {
    throw new WxgateError(Reason.TOKEN_UNAVAILABLE, 'no ticket yet');
  },
  error: () => {
    throw new Error('secret detail');
  },
  errorAsync: () => Promise.reject(new TypeError('secret detail')),
  string: () => {
    throw 'secret detail';
  },
  bodyLike: () => {
    throw { reason: 'BAD_REQUEST', message: 'looks like a body' };
  },
  validated: (body) => ({ ok: true, envId: parsePayload(PolicyCheckRequest, body).envId }),
};

@NatsController()
class LegacyController {
  @MessagePattern('parity.nest.*')
  handle(@Payload() body: unknown, @Ctx() ctx: NatsContext): unknown {
    return cases[ctx.getSubject().split('.').pop()!]!(body);
  }

  @MessagePattern('parity.nest-zod')
  zod(@Payload(new ZodPayload(PolicyCheckRequest)) body: PolicyCheckRequest): unknown {
    return { ok: true, envId: body.envId };
  }
}

@Module({ controllers: [LegacyController] })
class LegacyModule {}

describe('HotResponder against the Nest path (real NATS)', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let serverNc: NatsConnection;
  let nest: INestMicroservice;
  let hot: HotResponder[] = [];
  const raw = async (subject: string, payload: string) => (await nc.request(subject, payload, { timeout: 5_000 })).string();

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await natsClient(nats.url);
    serverNc = await natsClient(nats.url);
    nest = await NestFactory.createMicroservice(LegacyModule, { ...natsMicroservice({ NATS_URL: [nats.url] }, 'parity', 'parity.queue'), logger: false });
    await nest.listen();
    hot = [
      serveHot(serverNc, 'parity.hot.*', { queue: 'parity.queue' }, (msg: Msg) => cases[msg.subject.split('.').pop()!]!(decodePayload(msg.data))),
      serveHot(serverNc, 'parity.hot-zod', { queue: 'parity.queue' }, (msg: Msg) => cases.validated!(decodePayload(msg.data))),
    ];
    await serverNc.flush();
  });

  afterAll(async () => {
    await Promise.all(hot.map((h) => h.drain()));
    await nest?.close();
    await serverNc?.close();
    await nc?.close();
    await nats?.stop();
  });

  it.each(Object.keys(cases).filter((c) => c !== 'validated'))('answers the %s case with the Nest path bytes', async (name) => {
    const nestReply = await raw(`parity.nest.${name}`, '{}');
    expect(await raw(`parity.hot.${name}`, '{}')).toBe(nestReply);
  });

  it('answers unexpected errors as INTERNAL without their text, WxgateErrors with their reason', async () => {
    expect(await raw('parity.hot.error', '')).toBe('{"error":{"reason":"INTERNAL","message":"internal error","errcode":-1}}');
    expect(await raw('parity.hot.errorAsync', '')).toBe('{"error":{"reason":"INTERNAL","message":"internal error","errcode":-1}}');
    expect(await raw('parity.hot.wxgate', '')).toBe('{"error":{"reason":"CREDENTIAL_NOT_FOUND","message":"no app wx1234567890abcdef","errcode":40013}}');
  });

  it.each(['not json', '', '{}', '{"envId":"prod"}', '{"envId":"prod","path":17}', '[]', 'null', '{"envId":"prod","path":"/wxa/x"}'])(
    'validates the payload %j as ZodPayload does',
    async (payload) => {
      const nestReply = await raw('parity.nest-zod', payload);
      expect(await raw('parity.hot-zod', payload)).toBe(nestReply);
    },
  );

  it('ignores a message without a reply subject', async () => {
    let called = 0;
    const quiet = serveHot(serverNc, 'parity.quiet', { queue: 'q' }, () => ++called);
    await serverNc.flush();
    nc.publish('parity.quiet', '{}');
    expect(await raw('parity.quiet', '{}')).toBe('1');
    expect(called).toBe(1);
    await quiet.drain();
  });

  it('shares a queue group with another responder: every request answered once', async () => {
    const other = await natsClient(nats.url);
    const seen = [0, 0];
    const pair = [serverNc, other].map((conn, i) => serveHot(conn, 'parity.shared', { queue: 'parity.shared' }, () => (seen[i]!++, i)));
    await Promise.all([serverNc.flush(), other.flush()]);
    const inbox = createInbox();
    const replies: string[] = [];
    const sub = nc.subscribe(inbox, { callback: (_e, m) => void replies.push(m.string()) });
    for (let i = 0; i < 500; i++) nc.publish('parity.shared', '{}', { reply: inbox });
    await waitFor(() => replies.length >= 500, { what: '500 replies' });
    await new Promise((r) => setTimeout(r, 200));
    sub.unsubscribe();
    expect(replies).toHaveLength(500);
    expect(seen[0]! + seen[1]!).toBe(500);
    expect(Math.min(...seen)).toBeGreaterThan(0);
    await Promise.all(pair.map((p) => p.drain()));
    await other.close();
  });

  it('drains: answers the requests it took, then no longer takes any', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = serveHot(serverNc, 'parity.slow', { queue: 'q', gracePeriodMs: 5_000 }, () => gate.then(() => ({ late: true })));
    await serverNc.flush();
    const pending = raw('parity.slow', '{}');
    await waitFor(() => slow.inFlight === 1, { what: 'the request taken' });
    const drained = slow.drain();
    setTimeout(release, 100);
    await drained;
    expect(slow.inFlight).toBe(0);
    expect(await pending).toBe('{"late":true}');
    await expect(nc.request('parity.slow', '{}', { timeout: 1_000 })).rejects.toThrow(/503|no responders/i);
  });

  it('gives up waiting after the grace period', async () => {
    const stuck = serveHot(serverNc, 'parity.stuck', { queue: 'q', gracePeriodMs: 200 }, () => new Promise(() => undefined));
    await serverNc.flush();
    void nc.request('parity.stuck', '{}', { timeout: 2_000 }).catch(() => undefined);
    await waitFor(() => stuck.inFlight === 1, { what: 'the request taken' });
    const started = Date.now();
    await stuck.drain();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(stuck.inFlight).toBe(1);
  });

  it('answers pre-encoded bytes as they are', async () => {
    const encoded = new EncodedReplies();
    const reply = { kind: 'app', appid: 'wx1234567890abcdef', token: 'abc', expiresAt: 5 };
    const bytes = serveHot(serverNc, 'parity.encoded', { queue: 'q' }, () => encoded.encode('k', reply));
    await serverNc.flush();
    expect(await raw('parity.encoded', '')).toBe(JSON.stringify(reply));
    reply.token = 'changed in place';
    expect(await raw('parity.encoded', '')).toBe(JSON.stringify(reply));
    await bytes.drain();
  });
});
