/**
 * One app authorizing two components, through the whole system (built token-refresher, policy and
 * forwarders on a private NATS server, the sandbox as WeChat): each pair has its own token, each
 * component environment's calls carry that component's authorizer token, and a sync that finds the
 * authorization gone for one component ends that pair only, denied by policy within a second.
 */
import { call, type Answer } from './support/forwarder-client.js';
import { waitFor } from './support/harness.js';
import { pushTicket } from './support/refresher-fixtures.js';
import { putEnv, startWxgateSystem, SYSTEM, type WxgateSystem } from './support/wxgate-system.js';

const { component, authorizer } = SYSTEM;
const second = { appid: 'wxsyscomp000002', secret: 'sys-component-secret-2', token: 'sysmsgtoken2', encodingAesKey: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg' };
const SECOND_REFRESH = 'refreshtoken-sys-authorizer-0002';
const AUTHORIZER_TOKEN = '/cgi-bin/component/api_authorizer_token';

let system: WxgateSystem;
const tokenOwner = (a: Answer) => (a.json().echo as { tokenOwner: { kind: string; appid: string; componentAppid?: string } }).tokenOwner;
const sentToken = (a: Answer) => (a.json().echo as { query: { parsed: Record<string, string> } }).query.parsed.access_token;

beforeAll(async () => {
  system = await startWxgateSystem();
  system.sandbox.state.registerComponent(second);
  system.sandbox.state.authorizations.authorize(second.appid, authorizer.appid, [17, 18], SECOND_REFRESH);
  const ok = async (subject: string, payload: object) => expect(await system.req(subject, payload)).toEqual({ ok: true });
  await ok('wxgate.admin.component.put', { componentAppid: second.appid, componentAppsecret: second.secret, token: second.token, encodingAesKey: second.encodingAesKey });
  await pushTicket(system.nc, system.sandbox, second.appid);
  await ok('wxgate.admin.authorizer.put', { componentAppid: second.appid, authorizerAppid: authorizer.appid, refreshToken: SECOND_REFRESH });
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

it('1,000 concurrent gets across both pairs make exactly one api_authorizer_token per pair', async () => {
  const subjects = [component.appid, second.appid].map((c) => `wxgate.token.get.authorizer.${c}.${authorizer.appid}`);
  // Both components' own tokens first, so only the authorizer mints are counted.
  await Promise.all([component.appid, second.appid].map((c) => system.req(`wxgate.token.get.component.${c}`)));
  const before = system.sandbox.state.calls.count(AUTHORIZER_TOKEN);
  const replies = await Promise.all(Array.from({ length: 1000 }, (_, i) => system.req(subjects[i % 2]!)));
  expect(system.sandbox.state.calls.count(AUTHORIZER_TOKEN) - before).toBe(2);
  for (const [i, c] of [component.appid, second.appid].entries()) {
    const mine = replies.filter((_, n) => n % 2 === i);
    expect(new Set(mine.map((r) => r.token)).size).toBe(1);
    expect(mine[0]).toMatchObject({ kind: 'authorizer', appid: authorizer.appid, componentAppid: c });
    // The sandbox minted it for that component.
    expect(system.sandbox.state.tokens.current({ channel: 'authorizer', appid: authorizer.appid, componentAppid: c })?.token).toBe(mine[0]!.token);
  }
  expect(replies[0]!.token).not.toBe(replies[1]!.token);
  // The four-token form is ambiguous now and says how to name one.
  const ambiguous = (await system.req(`wxgate.token.get.authorizer.${authorizer.appid}`)) as { error: { reason: string; message: string } };
  expect(ambiguous.error.reason).toBe('BAD_REQUEST');
  expect(ambiguous.error.message).toContain(`${component.appid}, ${second.appid}`);
  expect(ambiguous.error.message).toContain(`wxgate.token.get.authorizer.${component.appid}.${authorizer.appid}`);
  const listed = (await system.req('wxgate.admin.credentials.list')) as unknown as { kind: string; appid: string; componentAppid?: string }[];
  expect(listed.filter((c) => c.kind === 'authorizer').map((c) => c.componentAppid)).toEqual([component.appid, second.appid]);
});

it("each component env relays with that component's authorizer token; a sync that finds one gone ends that pair only", async () => {
  await putEnv(system, { envId: 'first', ownerAppid: component.appid, ownerKind: 'component', paths: ['/wxa/commit'] });
  await putEnv(system, { envId: 'second', ownerAppid: second.appid, ownerKind: 'component', paths: ['/wxa/commit'] });
  const check = (envId: string) => system.req('wxgate.policy.check', { envId, path: '/wxa/commit', fromAppid: authorizer.appid });
  await waitFor(async () => (await check('second')).allowed === true, { what: 'second authorization known to policy' });
  expect((await check('second')).credential).toEqual({ kind: 'authorizer', appid: authorizer.appid, componentAppid: second.appid });
  const [first, other] = await Promise.all([system.startForwarder({ ENV_ID: 'first' }), system.startForwarder({ ENV_ID: 'second' })]);
  const commit = (base: string) => call(`${base}/wxa/commit?from_appid=${authorizer.appid}`, { body: '{"template_id":1}' });

  const viaFirst = await commit(first.base);
  const viaSecond = await commit(other.base);
  expect(tokenOwner(viaFirst)).toEqual({ kind: 'authorizer', appid: authorizer.appid, componentAppid: component.appid });
  expect(tokenOwner(viaSecond)).toEqual({ kind: 'authorizer', appid: authorizer.appid, componentAppid: second.appid });
  expect(sentToken(viaFirst)).not.toBe(sentToken(viaSecond));

  // WeChat stops listing the app for the first component (its unauthorized event was lost).
  system.sandbox.state.authorizations.unauthorize(component.appid, authorizer.appid);
  expect(await system.req('wxgate.admin.authorizer.sync', { componentAppid: component.appid })).toEqual({ imported: 0, unauthorized: 1 });
  const synced = Date.now();
  await waitFor(async () => (await check('first')).allowed === false, { timeoutMs: 1_000, intervalMs: 20, what: 'policy to deny the revoked pair' });
  expect(Date.now() - synced).toBeLessThan(1_000);
  expect(await check('first')).toMatchObject({ allowed: false, reason: 'AUTHORIZER_NOT_AUTHORIZED' });
  await waitFor(async () => (await commit(first.base)).status === 403, { what: 'the first env forwarder to deny' });
  const stillSecond = await commit(other.base);
  expect(stillSecond.status).toBe(200);
  expect(tokenOwner(stillSecond).componentAppid).toBe(second.appid);
  // With one authorization left, the four-token form means it again.
  expect(await system.req(`wxgate.token.get.authorizer.${authorizer.appid}`)).toMatchObject({ componentAppid: second.appid });
});
