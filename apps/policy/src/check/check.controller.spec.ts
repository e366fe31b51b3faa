import { jest } from '@jest/globals';
import type { NatsConnection } from '@nats-io/transport-node';
import { WxgateError } from '@wxgate/contracts';
import type { Metrics } from '@wxgate/platform';
import { Registry } from 'prom-client';
import type { PolicyModelSync } from '../model/policy-model-sync.js';
import { PolicyModel, type EnvView } from '../model/policy-model.js';
import { CheckPolicy } from './check-policy.usecase.js';
import { CheckController } from './check.controller.js';

const COMPONENT = 'wx00000000000000c1';
const AUTHORIZER = 'wx00000000000000b1';
const APP = 'wx00000000000000a1';
const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const text = (reply: unknown) => (reply instanceof Uint8Array ? new TextDecoder().decode(reply) : JSON.stringify(reply));

function componentEnv(paths: string[], shares: string[] = []): EnvView {
  return { envId: 'comp', ownerAppid: COMPONENT, ownerKind: 'component', paths: new Set(paths), shares: new Set(shares) };
}

function setup() {
  const model = new PolicyModel();
  model.setEnv('comp', componentEnv(['/wxa/getwxacode']), 3);
  model.setEnv('app', { envId: 'app', ownerAppid: APP, ownerKind: 'app', paths: new Set(['/v3/pay/transactions/jsapi']), shares: new Set(), merchants: new Set(['1900000001']) }, 3);
  model.setAuthorizers(COMPONENT, [AUTHORIZER]);
  const reachRevision = jest.fn(async () => undefined);
  const registry = new Registry();
  const checks = new CheckPolicy(model, { reachRevision } as unknown as PolicyModelSync, { registry } as Metrics);
  const controller = new CheckController(checks, {} as NatsConnection);
  /** What the uncached path answers for the same bytes, counted on a policy of its own. */
  const fresh = (payload: unknown) => {
    const other = new CheckPolicy(model, { reachRevision } as unknown as PolicyModelSync, { registry: new Registry() } as Metrics);
    return text(new CheckController(other, {} as NatsConnection).check(bytes(payload)));
  };
  const count = async (decision: string, reason: string) =>
    Number(new RegExp(`wxgate_policy_checks_total\\{decision="${decision}",reason="${reason}"\\} (\\d+)`).exec(await registry.metrics())?.[1] ?? 0);
  return { model, controller, fresh, count, reachRevision };
}

describe('policy.check answers repeated requests from their encoded answer', () => {
  const allowed = { envId: 'comp', path: '/wxa/getwxacode', fromAppid: AUTHORIZER };

  it('answers the same bytes as deciding afresh, and counts every decision by its labels', async () => {
    const { controller, fresh, count } = setup();
    const first = controller.check(bytes(allowed));
    expect(first).toBeInstanceOf(Uint8Array);
    expect(text(first)).toBe(fresh(allowed));
    expect(JSON.parse(text(first))).toMatchObject({ allowed: true, revision: 3 });
    for (let i = 0; i < 4; i++) expect(controller.check(bytes(allowed))).toBe(first);
    const denied = { envId: 'nowhere', path: '/wxa/getwxacode' };
    for (let i = 0; i < 3; i++) expect(text(controller.check(bytes(denied)))).toBe(fresh(denied));
    expect(await count('allowed', '')).toBe(5);
    expect(await count('denied', 'ENV_NOT_FOUND')).toBe(3);
  });

  it('keeps requests apart by their exact bytes', () => {
    const { controller } = setup();
    const a = text(controller.check(bytes(allowed)));
    const spaced = text(controller.check(bytes(JSON.stringify(allowed, null, 1))));
    expect(spaced).toBe(a);
    expect(JSON.parse(text(controller.check(bytes({ ...allowed, path: '/wxa/commit' }))))).toMatchObject({ reason: 'PATH_NOT_ALLOWED' });
  });

  it('never answers an old decision after the environment, its allowlist or its shares change', () => {
    const { model, controller, fresh } = setup();
    controller.check(bytes(allowed));
    // A reload replaces the environment (same revision here: the object alone tells it changed).
    model.setEnv('comp', componentEnv(['/wxa/commit']));
    expect(JSON.parse(text(controller.check(bytes(allowed))))).toMatchObject({ allowed: false, reason: 'PATH_NOT_ALLOWED' });
    model.setEnv('comp', componentEnv(['/wxa/getwxacode'], ['wx00000000000000b9']));
    expect(JSON.parse(text(controller.check(bytes(allowed))))).toMatchObject({ allowed: false, reason: 'AUTHORIZER_NOT_AUTHORIZED' });
    model.setEnv('comp', undefined);
    expect(JSON.parse(text(controller.check(bytes(allowed))))).toMatchObject({ allowed: false, reason: 'ENV_NOT_FOUND' });
    expect(text(controller.check(bytes(allowed)))).toBe(fresh(allowed));
  });

  it('never answers an old decision after an authorizer is unauthorized or authorized', () => {
    const { model, controller } = setup();
    expect(JSON.parse(text(controller.check(bytes(allowed))))).toMatchObject({ allowed: true });
    model.setAuthorized(COMPONENT, AUTHORIZER, false);
    expect(JSON.parse(text(controller.check(bytes(allowed))))).toMatchObject({ allowed: false, reason: 'AUTHORIZER_NOT_AUTHORIZED' });
    model.setAuthorized(COMPONENT, AUTHORIZER, true);
    expect(JSON.parse(text(controller.check(bytes(allowed))))).toMatchObject({ allowed: true });
  });

  it('answers the revision it holds now', () => {
    const { model, controller } = setup();
    expect(JSON.parse(text(controller.check(bytes(allowed)))).revision).toBe(3);
    model.setEnv('comp', model.env('comp'), 9);
    expect(JSON.parse(text(controller.check(bytes(allowed)))).revision).toBe(9);
    model.replaceAll([componentEnv(['/wxa/getwxacode'])], new Map([[COMPONENT, [AUTHORIZER]]]), 12);
    expect(JSON.parse(text(controller.check(bytes(allowed)))).revision).toBe(12);
  });

  it('never answers a WeChat Pay decision made for other merchants', () => {
    const { model, controller } = setup();
    const pay = { envId: 'app', path: '/v3/pay/transactions/jsapi', api: 'pay' };
    expect(JSON.parse(text(controller.check(bytes(pay))))).toMatchObject({ allowed: true, credential: { mchid: '1900000001' } });
    model.setEnv('app', { ...model.env('app')!, merchants: new Set(['1900000002']) });
    expect(JSON.parse(text(controller.check(bytes(pay))))).toMatchObject({ allowed: true, credential: { mchid: '1900000002' } });
  });

  it('waits for a reload every time a request names a revision ahead of this copy, and keeps nothing then', async () => {
    const { controller, reachRevision } = setup();
    const ahead = { ...allowed, minRevision: 5 };
    for (let i = 0; i < 2; i++) await expect(controller.check(bytes(ahead))).resolves.toMatchObject({ allowed: true, revision: 3 });
    expect(reachRevision).toHaveBeenCalledTimes(2);
    const reached = { ...allowed, minRevision: 3 };
    const first = controller.check(bytes(reached));
    expect(controller.check(bytes(reached))).toBe(first);
    expect(reachRevision).toHaveBeenCalledTimes(2);
  });

  it('answers malformed requests with BAD_REQUEST every time, keeping nothing', () => {
    const { controller } = setup();
    for (const payload of ['not json', '{"envId":""}', '']) {
      for (let i = 0; i < 2; i++) expect(() => controller.check(bytes(payload))).toThrow(WxgateError);
    }
  });
});
