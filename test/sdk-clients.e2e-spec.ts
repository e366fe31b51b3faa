/**
 * Unmodified WeChat SDKs from npm (co-wechat-api, wechat-api) through the forwarder, configured
 * only with appid + secret and a base URL: their own token fetching hits WeChat's token endpoints,
 * which wxgate answers from the tokens it keeps (docs/sdk.md). Real token-refresher, policy and
 * forwarder processes on a private NATS server; the sandbox as WeChat counts every mint.
 */
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { call, type Answer } from './support/forwarder-client.js';
import type { AppProcess } from './support/harness.js';
import { putEnv, startWxgateSystem, SYSTEM, type WxgateSystem } from './support/wxgate-system.js';

const require = createRequire(import.meta.url);

interface Echoed {
  errcode: number;
  echo: { tokenOwner: { kind: string; appid: string }; query: { parsed: Record<string, string> } };
}
/** co-wechat-api 3: promise-based; `prefix` is its base URL for /cgi-bin/ calls. */
interface CoWechatApi {
  prefix: string;
  getMenu(): Promise<Echoed>;
}
/** wechat-api 1: callback-based; `endpoint` is its base URL. */
interface WechatApi {
  endpoint: string;
  getMenu(callback: (err: Error | null, data: Echoed) => void): void;
}
const CoWechat = require('co-wechat-api') as new (appid: string, secret: string) => CoWechatApi;
const Wechat = require('wechat-api') as new (appid: string, secret: string) => WechatApi;

const CO_APP = { appid: 'wxsdkcoapp000001', secret: 'co-wechat-api-secret' };
const WA_APP = { appid: 'wxsdkwaapp000001', secret: 'wechat-api-secret' };
const { component, authorizer } = SYSTEM;

let system: WxgateSystem;
let fwd: { proc: AppProcess; base: string };

const mints = () => system.sandbox.state.calls.count('/cgi-bin/stable_token') + system.sandbox.state.calls.count('/cgi-bin/token');
const totalCalls = () => system.sandbox.state.calls.snapshot().calls.length;
const tokenOf = (data: Echoed) => data.echo.query.parsed.access_token!;
const coApi = (app: { appid: string; secret: string }) => {
  const api = new CoWechat(app.appid, app.secret);
  api.prefix = `${fwd.base}/cgi-bin/`;
  return api;
};
const wechatApi = (app: { appid: string; secret: string }) => {
  const api = new Wechat(app.appid, app.secret);
  api.endpoint = fwd.base;
  return { getMenu: promisify(api.getMenu.bind(api)) as () => Promise<Echoed> };
};
const expectSeqid = (answer: Answer) => expect(answer.headers['x-openapi-seqid']).toMatch(/^[0-9a-f]{16}$/);
const post = (path: string, body: object) => call(`${fwd.base}${path}`, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

beforeAll(async () => {
  system = await startWxgateSystem();
  for (const app of [CO_APP, WA_APP]) {
    system.sandbox.state.registerApp(app);
    expect((await system.req('wxgate.admin.app.put', app)).ok).toBe(true);
  }
  await putEnv(system, { envId: 'sdk', ownerAppid: CO_APP.appid, ownerKind: 'app', paths: ['/wxa/msg_sec_check'] });
  fwd = await system.startForwarder({ ENV_ID: 'sdk' });
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

describe('co-wechat-api, configured with appid + secret and the forwarder as base URL', () => {
  it('10 SDK instances in parallel share one token: exactly one WeChat mint', async () => {
    const before = mints();
    const answers = await Promise.all(Array.from({ length: 10 }, () => coApi(CO_APP).getMenu()));
    expect(mints() - before).toBe(1);
    expect(system.sandbox.state.calls.count('/cgi-bin/token')).toBe(0);
    for (const data of answers) expect(data.echo.tokenOwner).toEqual({ kind: 'app', appid: CO_APP.appid });
    expect(new Set(answers.map(tokenOf)).size).toBe(1);
    const held = await system.req(`wxgate.token.get.app.${CO_APP.appid}`);
    expect(tokenOf(answers[0]!)).toBe(held.token);
  });

  it('a token expired at WeChat: the SDK\'s own retry succeeds with the new token wxgate got', async () => {
    const api = coApi(CO_APP);
    const old = tokenOf(await api.getMenu());
    system.sandbox.state.tokens.expire(old);
    const before = mints();
    const data = await api.getMenu();
    expect(data.errcode).toBe(0);
    expect(tokenOf(data)).not.toBe(old);
    expect(mints() - before).toBe(1);
    expect((await system.req(`wxgate.token.get.app.${CO_APP.appid}`)).token).toBe(tokenOf(data));
  });

  it('a wrong secret gets WeChat\'s 40125 and nothing reaches WeChat', async () => {
    const before = totalCalls();
    await expect(coApi({ appid: CO_APP.appid, secret: 'not-the-secret' }).getMenu()).rejects.toMatchObject({ name: 'WeChatAPIError', code: 40125 });
    expect(totalCalls()).toBe(before);
  });
});

describe('wechat-api, configured with appid + secret and the forwarder as endpoint', () => {
  it('10 SDK instances in parallel: calls succeed with exactly one WeChat mint', async () => {
    const before = mints();
    const answers = await Promise.all(Array.from({ length: 10 }, () => wechatApi(WA_APP).getMenu()));
    expect(mints() - before).toBe(1);
    for (const data of answers) expect(data.echo.tokenOwner).toEqual({ kind: 'app', appid: WA_APP.appid });
    expect(new Set(answers.map(tokenOf)).size).toBe(1);
  });

  it('a wrong secret gets 40125 and nothing reaches WeChat', async () => {
    const before = totalCalls();
    await expect(wechatApi({ appid: WA_APP.appid, secret: 'wrong' }).getMenu()).rejects.toMatchObject({ code: 40125 });
    expect(totalCalls()).toBe(before);
  });
});

describe('the app token endpoints on the wire', () => {
  it('GET /cgi-bin/token answers WeChat\'s shape with whole seconds left', async () => {
    const answer = await call(`${fwd.base}/cgi-bin/token?grant_type=client_credential&appid=${CO_APP.appid}&secret=${CO_APP.secret}`);
    expect(answer.status).toBe(200);
    expectSeqid(answer);
    const held = await system.req(`wxgate.token.get.app.${CO_APP.appid}`);
    expect(answer.json()).toEqual({ access_token: held.token, expires_in: expect.any(Number) });
    expect(Number.isInteger(answer.json().expires_in)).toBe(true);
    expect(answer.json().expires_in).toBeLessThanOrEqual(Math.ceil(((held.expiresAt as number) - Date.now()) / 1000));
    expect(answer.json().expires_in).toBeGreaterThan(7000);
  });

  it('POST /cgi-bin/stable_token: force_refresh is a rate-limited invalidation, never a mint per caller', async () => {
    const body = { grant_type: 'client_credential', appid: CO_APP.appid, secret: CO_APP.secret, force_refresh: true };
    const before = mints();
    const answers = await Promise.all(Array.from({ length: 5 }, () => post('/cgi-bin/stable_token', body)));
    expect(mints() - before).toBeLessThanOrEqual(1);
    expect(new Set(answers.map((a) => a.json().access_token)).size).toBe(1);
    const again = await post('/cgi-bin/stable_token', body);
    expect(again.json().access_token).toBe(answers[0]!.json().access_token);
    expect(mints() - before).toBeLessThanOrEqual(1);
  });

  it('a wrong or missing secret: WeChat\'s errcode with HTTP 200, and the query never in the access log', async () => {
    const wrong = await call(`${fwd.base}/cgi-bin/token?grant_type=client_credential&appid=${CO_APP.appid}&secret=leaked-if-logged`);
    expect(wrong.status).toBe(200);
    expectSeqid(wrong);
    expect(wrong.json()).toEqual({ errcode: 40125, errmsg: expect.stringContaining('invalid appsecret') });
    const missing = await post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: CO_APP.appid });
    expect(missing.json().errcode).toBe(41004);
    expect(fwd.proc.output()).not.toContain('leaked-if-logged');
    expect(fwd.proc.output()).not.toContain(CO_APP.secret);
  });

  it('an app wxgate does not manage stays 403 RESERVED_PATH, saying how to add it', async () => {
    const answer = await call(`${fwd.base}/cgi-bin/token?grant_type=client_credential&appid=wxnotmanaged0001&secret=x`);
    expect(answer.status).toBe(403);
    expectSeqid(answer);
    expect(answer.json()).toMatchObject({ errcode: 48001, reason: 'RESERVED_PATH', errmsg: expect.stringContaining('wxgate app add wxnotmanaged0001') });
  });
});

describe('component and authorizer token endpoints', () => {
  const componentToken = async () => {
    const answer = await post('/cgi-bin/component/api_component_token', { component_appid: component.appid, component_appsecret: component.secret, component_verify_ticket: 'ignored' });
    expect(answer.status).toBe(200);
    return answer.json() as { component_access_token: string; expires_in: number };
  };

  it('api_component_token with the secret answers the component token wxgate holds; a wrong secret gets 40125', async () => {
    const before = system.sandbox.state.calls.count('/cgi-bin/component/api_component_token');
    const answer = await componentToken();
    expect(answer.component_access_token).toBe((await system.req(`wxgate.token.get.component.${component.appid}`)).token);
    expect(answer.expires_in).toBeGreaterThan(7000);
    const wrong = await post('/cgi-bin/component/api_component_token', { component_appid: component.appid, component_appsecret: 'nope' });
    expect(wrong.json().errcode).toBe(40125);
    expect(system.sandbox.state.calls.count('/cgi-bin/component/api_component_token') - before).toBeLessThanOrEqual(1);
  });

  it('api_authorizer_token with wxgate\'s component token answers the pair\'s token, never the real refresh token', async () => {
    const { component_access_token: token } = await componentToken();
    const answer = await post(`/cgi-bin/component/api_authorizer_token?component_access_token=${encodeURIComponent(token)}`, {
      component_appid: component.appid,
      authorizer_appid: authorizer.appid,
      authorizer_refresh_token: 'whatever-the-sdk-stored',
    });
    expect(answer.status).toBe(200);
    const held = await system.req(`wxgate.token.get.authorizer.${authorizer.appid}`);
    expect(answer.json()).toEqual({ authorizer_access_token: held.token, expires_in: expect.any(Number), authorizer_refresh_token: 'wxgate-managed-refresh-token' });
    expect(answer.body.toString()).not.toContain(authorizer.refreshToken);
  });

  it('a component token wxgate did not issue gets 40001, and nothing reaches WeChat', async () => {
    const before = totalCalls();
    const answer = await post('/cgi-bin/component/api_authorizer_token?component_access_token=forged', { component_appid: component.appid, authorizer_appid: authorizer.appid });
    expect(answer.status).toBe(200);
    expect(answer.json().errcode).toBe(40001);
    const query = await post('/cgi-bin/component/api_query_auth?component_access_token=forged', { component_appid: component.appid, authorization_code: 'x' });
    expect(query.json().errcode).toBe(40001);
    expect(totalCalls()).toBe(before);
  });

  it('api_query_auth with a new code: wxgate exchanges it once however many SDKs ask, and stores the authorization', async () => {
    const newcomer = 'wxsdknewauth0001';
    const { authorizationCode } = await system.sandbox.state.simulator.authorize({ componentAppid: component.appid, authorizerAppid: newcomer, funcScopes: [17, 18], notify: false });
    const { component_access_token: token } = await componentToken();
    const before = system.sandbox.state.calls.count('/cgi-bin/component/api_query_auth');
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => post(`/cgi-bin/component/api_query_auth?component_access_token=${encodeURIComponent(token)}`, { component_appid: component.appid, authorization_code: authorizationCode })),
    );
    expect(system.sandbox.state.calls.count('/cgi-bin/component/api_query_auth') - before).toBe(1);
    const held = await system.req(`wxgate.token.get.authorizer.${newcomer}`);
    for (const answer of answers) {
      expect(answer.json()).toEqual({
        authorization_info: {
          authorizer_appid: newcomer,
          authorizer_access_token: held.token,
          expires_in: expect.any(Number),
          authorizer_refresh_token: 'wxgate-managed-refresh-token',
          func_info: [{ funcscope_category: { id: 17 } }, { funcscope_category: { id: 18 } }],
        },
      });
    }
    const listed = (await system.req('wxgate.admin.credentials.list')) as unknown as { kind: string; appid: string; status: string }[];
    expect(listed).toContainEqual(expect.objectContaining({ kind: 'authorizer', appid: newcomer, status: 'ok' }));
  });
});
