/** Merchants bound to environments and pay-path templates, through the policy process over NATS (SQLite). */
import type { NatsConnection } from '@nats-io/transport-node';
import { Subjects } from '@wxgate/contracts';
import { natsClient, rawRequest, startApp, startNatsServer, type AppProcess, type NatsServerHandle } from './support/harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- NATS answers are asserted field by field
type Json = any;

describe('policy: WeChat Pay merchants and allowlist templates', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let policy: AppProcess;
  const req = (subject: string, body: object) => rawRequest(nc, subject, body) as Promise<Json>;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await natsClient(nats.url);
    policy = await startApp('policy', { NATS_URL: nats.url });
    await policy.waitReady();
    await req(Subjects.admin.envPut, { envId: 'shop', ownerAppid: 'wx00000000000000a1', ownerKind: 'app' });
  });
  afterAll(async () => {
    await policy?.stop();
    await nc?.close();
    await nats?.stop();
  });

  it('accepts {name} templates for pay paths only, rejecting the whole request otherwise', async () => {
    expect(await req(Subjects.admin.allowlistAdd, { envId: 'shop', paths: ['/v3/pay/transactions/jsapi', '/v3/pay/transactions/out-trade-no/{out_trade_no}'] })).toEqual({ ok: true });
    const bad = await req(Subjects.admin.allowlistAdd, { envId: 'shop', paths: ['/v3/refund/domestic/refunds', '/wxa/{name}'] });
    expect(bad.error).toMatchObject({ reason: 'BAD_REQUEST', message: expect.stringContaining('/wxa/{name}') });
    expect((await req(Subjects.admin.allowlistList, { envId: 'shop' })).paths).not.toContain('/v3/refund/domestic/refunds');
  });

  it('binds and unbinds merchants, and policy.check with api "pay" answers the merchant or MERCHANT_NOT_BOUND', async () => {
    const check = (body: object) => req(Subjects.policy.check, { envId: 'shop', api: 'pay', ...body });
    expect(await check({ path: '/v3/pay/transactions/jsapi' })).toMatchObject({ allowed: false, reason: 'MERCHANT_NOT_BOUND' });
    expect(await req(Subjects.admin.merchantBind, { envId: 'shop', mchid: '1900000001' })).toEqual({ ok: true });
    expect(await req(Subjects.admin.merchantBind, { envId: 'shop', mchid: '1900000001' })).toEqual({ ok: true });
    expect((await req(Subjects.admin.merchantBind, { envId: 'nope', mchid: '1900000001' })).error.reason).toBe('ENV_NOT_FOUND');
    expect((await req(Subjects.admin.merchantBind, { envId: 'shop', mchid: 'abc' })).error.reason).toBe('BAD_REQUEST');
    // policy.changed reaches the model asynchronously; the check path reads only the model.
    const deadline = Date.now() + 5000;
    let decision: Json;
    do decision = await check({ path: '/v3/pay/transactions/out-trade-no/T-1' });
    while (!decision.allowed && Date.now() < deadline);
    const { revision, ...rest } = decision as Json & { revision?: number };
    expect(rest).toEqual({ allowed: true, credential: { kind: 'merchant', mchid: '1900000001' } });
    // A binding is a policy change: the answer carries the revision it was made at or later.
    expect(revision).toBeGreaterThan(0);
    expect(await check({ path: '/v3/pay/transactions/out-trade-no/T-1', fromMchid: '1900000002' })).toMatchObject({ allowed: false, reason: 'MERCHANT_NOT_BOUND' });
    expect(await check({ path: '/v3/refund/domestic/refunds' })).toMatchObject({ allowed: false, reason: 'PATH_NOT_ALLOWED' });
    expect(await req(Subjects.admin.merchantBindings, { envId: 'shop' })).toEqual({ mchids: ['1900000001'] });
    expect(await req(Subjects.admin.merchantUnbind, { envId: 'shop', mchid: '1900000001' })).toEqual({ ok: true });
    expect(await req(Subjects.admin.merchantBindings, { envId: 'shop' })).toEqual({ mchids: [] });
  });
});
