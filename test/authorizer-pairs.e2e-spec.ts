/**
 * One app authorized to two components of the same service provider, end to end: built
 * token-refresher, policy and forwarders on a private NATS server, the sandbox as WeChat (it
 * records which component minted each authorizer token). Each component env's calls carry that
 * component's token; 1,000 concurrent gets across both pairs mint once per pair; the four-token
 * subject is refused while ambiguous; a revocation found by `authorizer.sync` stops only its pair.
 */
import { call, type Answer } from './support/forwarder-client.js';
import { waitFor } from './support/harness.js';
import { PATHS, pushTicket } from './support/refresher-fixtures.js';
import { putEnv, startWxgateSystem, SYSTEM, type WxgateSystem } from './support/wxgate-system.js';

const { component, authorizer } = SYSTEM;
const OTHER = { appid: 'wxsyscomp000002', secret: 'sys-other-component-secret', token: 'sysothertoken', encodingAesKey: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg' };
const OTHER_REFRESH = 'refreshtoken-sys-authorizer-other';
const PAIRS = [component.appid, OTHER.appid].map((componentAppid) => ({ componentAppid, subject: `wxgate.token.get.authorizer.${componentAppid}.${authorizer.appid}` }));

let system: WxgateSystem;
const base: Record<string, string> = {};
const tokenOwner = (a: Answer) => (a.json().echo as { tokenOwner: Record<string, string> }).tokenOwner;
const commit = (componentAppid: string) => call(`${base[componentAppid]}/wxa/commit?from_appid=${authorizer.appid}`, { body: '{"template_id":1}' });

beforeAll(async () => {
  system = await startWxgateSystem();
  // The same app authorizes a second component; wxgate learns it from api_get_authorizer_list.
  system.sandbox.state.registerComponent(OTHER);
  system.sandbox.state.authorizations.authorize(OTHER.appid, authorizer.appid, [18], OTHER_REFRESH);
  expect(await system.req('wxgate.admin.component.put', { componentAppid: OTHER.appid, componentAppsecret: OTHER.secret, token: OTHER.token, encodingAesKey: OTHER.encodingAesKey })).toEqual({ ok: true });
  await pushTicket(system.nc, system.sandbox, OTHER.appid);
  const sync = await waitFor(async () => {
    const reply = await system.req('wxgate.admin.authorizer.sync', { componentAppid: OTHER.appid });
    return reply.error ? undefined : reply;
  }, { what: 'sync of the second component' });
  expect(sync).toEqual({ imported: 1, unauthorized: 0 });
  for (const [envId, ownerAppid] of [['pairs-one', component.appid], ['pairs-two', OTHER.appid]] as const) {
    await putEnv(system, { envId, ownerAppid, ownerKind: 'component', paths: ['/wxa/commit'] });
  }
  const [one, two] = await Promise.all([system.startForwarder({ ENV_ID: 'pairs-one' }), system.startForwarder({ ENV_ID: 'pairs-two' })]);
  base[component.appid] = one.base;
  base[OTHER.appid] = two.base;
  for (const [envId, componentAppid] of [['pairs-one', component.appid], ['pairs-two', OTHER.appid]] as const) {
    const allowed = await waitFor(async () => {
      const reply = await system.req('wxgate.policy.check', { envId, path: '/wxa/commit', fromAppid: authorizer.appid });
      return reply.allowed === true ? reply : undefined;
    }, { what: `authorization of ${componentAppid} known to policy` });
    expect(allowed.credential).toEqual({ kind: 'authorizer', appid: authorizer.appid, componentAppid });
  }
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

it('1,000 concurrent gets across both pairs mint exactly one token per pair', async () => {
  const replies = await Promise.all(Array.from({ length: 1000 }, (_, i) => system.req(PAIRS[i % 2]!.subject)));
  for (const [n, pair] of PAIRS.entries()) {
    const mine = replies.filter((_, i) => i % 2 === n);
    expect(new Set(mine.map((r) => r.token)).size).toBe(1);
    expect(mine[0]).toMatchObject({ kind: 'authorizer', appid: authorizer.appid, componentAppid: pair.componentAppid });
    // The sandbox's current token of exactly this pair: minted for this component, not the other.
    expect(system.sandbox.state.tokens.current({ channel: 'authorizer', appid: authorizer.appid, componentAppid: pair.componentAppid })?.token).toBe(mine[0]!.token);
  }
  expect(replies[0]!.token).not.toBe(replies[1]!.token);
  // Each pair needs at least one api_authorizer_token (sync and import mint none): two in all is one each.
  expect(system.sandbox.state.calls.count(PATHS.authorizerToken)).toBe(2);
});

it("each component env's calls carry that component's authorizer token", async () => {
  for (const componentAppid of [component.appid, OTHER.appid]) {
    const answer = await commit(componentAppid);
    expect(answer.status).toBe(200);
    expect(answer.json().errcode).toBe(0);
    expect(tokenOwner(answer)).toEqual({ kind: 'authorizer', appid: authorizer.appid, componentAppid });
  }
});

it('refuses the four-token subject and an unnamed delete while two components hold the app, and lists both pairs', async () => {
  const ambiguous = await system.req(`wxgate.token.get.authorizer.${authorizer.appid}`);
  expect(ambiguous.error).toMatchObject({ reason: 'BAD_REQUEST' });
  const message = (ambiguous.error as { message: string }).message;
  expect(message).toContain(`${component.appid}, ${OTHER.appid}`);
  expect(message).toContain(`wxgate.token.get.authorizer.${component.appid}.${authorizer.appid}`);
  expect((await system.req('wxgate.admin.credentials.delete', { kind: 'authorizer', appid: authorizer.appid })).error).toMatchObject({ reason: 'BAD_REQUEST' });
  const listed = (await system.req('wxgate.admin.credentials.list')) as unknown as { kind: string; appid: string; componentAppid?: string; status: string }[];
  expect(listed.filter((c) => c.kind === 'authorizer').map((c) => [c.componentAppid, c.appid, c.status])).toEqual([
    [component.appid, authorizer.appid, 'ok'],
    [OTHER.appid, authorizer.appid, 'ok'],
  ]);
});

it('a revocation found by authorizer.sync stops its pair within a second and leaves the other working', async () => {
  system.sandbox.state.authorizations.unauthorize(component.appid, authorizer.appid);
  const sent = Date.now();
  expect(await system.req('wxgate.admin.authorizer.sync', { componentAppid: component.appid })).toEqual({ imported: 0, unauthorized: 1 });
  await waitFor(async () => (await system.req('wxgate.policy.check', { envId: 'pairs-one', path: '/wxa/commit', fromAppid: authorizer.appid })).allowed === false, {
    timeoutMs: 1000,
    intervalMs: 20,
    what: 'policy denies the revoked pair',
  });
  expect(Date.now() - sent).toBeLessThan(1000);
  const denied = await waitFor(async () => {
    const answer = await commit(component.appid);
    return answer.status === 403 ? answer : undefined;
  }, { what: 'forwarder denies the revoked pair' });
  expect(denied.json()).toMatchObject({ reason: 'AUTHORIZER_NOT_AUTHORIZED', errcode: 61007 });

  const still = await commit(OTHER.appid);
  expect(still.json().errcode).toBe(0);
  expect(tokenOwner(still)).toEqual({ kind: 'authorizer', appid: authorizer.appid, componentAppid: OTHER.appid });
  // One authorization left: the four-token form means it again.
  expect(await system.req(`wxgate.token.get.authorizer.${authorizer.appid}`)).toMatchObject({ kind: 'authorizer', componentAppid: OTHER.appid });
  expect((await system.req(`wxgate.token.get.authorizer.${component.appid}.${authorizer.appid}`)).error).toMatchObject({ reason: 'TOKEN_UNAVAILABLE' });
});
