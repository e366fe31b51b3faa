/**
 * The README's "Use it from your code" recipes, run: unmodified WeChat SDKs from npm
 * (co-wechat-api, wechat-api) configured only with appid + secret and a base URL or an agent —
 * their own token fetching hits WeChat's token endpoints, which wxgate answers from the tokens it
 * keeps (docs/sdk.md) — and the everyday Node clients a service routes through a proxy with.
 * Real token-refresher, policy and forwarder processes on a private NATS server; the sandbox as
 * WeChat counts every mint.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent, get as httpsGet, type RequestOptions } from 'node:https';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import axios from 'axios';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { EnvHttpProxyAgent, ProxyAgent, request as undiciRequest, type Dispatcher } from 'undici';
import { call, type Answer } from './support/forwarder-client.js';
import { ROOT, type AppProcess } from './support/harness.js';
import { putEnv, startWxgateSystem, SYSTEM, type WxgateSystem } from './support/wxgate-system.js';

const require = createRequire(import.meta.url);

interface Echoed {
  errcode: number;
  echo: { tokenOwner: { kind: string; appid: string }; query: { parsed: Record<string, string> } };
}
/** co-wechat-api 3: promise-based; `prefix` is its base URL for /cgi-bin/ calls, `setOpts` its httpx options. */
interface CoWechatApi {
  prefix: string;
  setOpts(opts: { agent?: unknown; ca?: string }): void;
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
/** Its own app: its force_refresh must not fall within another test's 30 s rate limit. */
const REPLICA_APP = { appid: 'wxsdkreplica0001', secret: 'replica-secret' };
const { component, authorizer } = SYSTEM;

let system: WxgateSystem;
let fwd: { proc: AppProcess; base: string; http: number };
let ca: string;

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
  for (const app of [CO_APP, WA_APP, REPLICA_APP]) {
    system.sandbox.state.registerApp(app);
    expect((await system.req('wxgate.admin.app.put', app)).ok).toBe(true);
  }
  await putEnv(system, { envId: 'sdk', ownerAppid: CO_APP.appid, ownerKind: 'app', paths: ['/wxa/msg_sec_check'] });
  fwd = await system.startForwarder({ ENV_ID: 'sdk' });
  ca = readFileSync(caFile(), 'utf8');
}, 60_000);

const caFile = () => path.join(fwd.proc.cwd, 'data/cert/certificate.crt');
type Echo = Echoed['echo'];
const parse = (text: string) => JSON.parse(text) as { errcode: number; echo: Echo };
/** A call relayed token-free: the forwarder injected the env owner's token. */
const expectRelayed = (data: { errcode: number; echo: Echo }) => {
  expect(data.errcode).toBe(0);
  expect(data.echo.tokenOwner).toEqual({ kind: 'app', appid: CO_APP.appid });
};

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

  it('a token handed out by another forwarder replica is recognised by the refresher when WeChat rejects it', async () => {
    const other = await system.startForwarder({ ENV_ID: 'sdk' });
    const tokenUrl = (base: string) => `${base}/cgi-bin/token?grant_type=client_credential&appid=${REPLICA_APP.appid}&secret=${REPLICA_APP.secret}`;
    const old = (await call(tokenUrl(fwd.base))).json().access_token as string;
    system.sandbox.state.tokens.expire(old);
    const rejected = await call(`${other.base}/cgi-bin/menu/get?access_token=${encodeURIComponent(old)}`);
    expect(rejected.json().errcode).toBe(42001);
    const fresh = (await call(tokenUrl(fwd.base))).json().access_token as string;
    expect(fresh).not.toBe(old);
    expect((await call(`${other.base}/cgi-bin/menu/get?access_token=${encodeURIComponent(fresh)}`)).json().errcode).toBe(0);
    // A token wxgate never issued is relayed and left alone, whatever WeChat says about it.
    const before = mints();
    expect([40001, 40014]).toContain((await call(`${other.base}/cgi-bin/menu/get?access_token=not-ours`)).json().errcode);
    expect(mints()).toBe(before);
    await other.proc.stop();
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

describe('everyday Node clients routed through the forwarder as proxy', () => {
  const undiciText = async (url: string, dispatcher: Dispatcher) => (await (await undiciRequest(url, { dispatcher })).body.text());

  it('undici ProxyAgent: https targets (CONNECT :443, trusting wxgate\'s CA) and http targets (CONNECT :80)', async () => {
    const agent = new ProxyAgent({ uri: fwd.base, requestTls: { ca } });
    try {
      expectRelayed(parse(await undiciText('https://api.weixin.qq.com/wxa/msg_sec_check', agent)));
      expectRelayed(parse(await undiciText('http://api.weixin.qq.com/wxa/msg_sec_check', agent)));
      const token = JSON.parse(await undiciText(`https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&appid=${CO_APP.appid}&secret=${CO_APP.secret}`, agent));
      expect(token.access_token).toBe((await system.req(`wxgate.token.get.app.${CO_APP.appid}`)).token);
    } finally {
      await agent.close();
    }
  });

  it('undici EnvHttpProxyAgent with HTTP(S)_PROXY pointing at the forwarder', async () => {
    const agent = new EnvHttpProxyAgent({ httpProxy: fwd.base, httpsProxy: fwd.base, requestTls: { ca } });
    try {
      expectRelayed(parse(await undiciText('https://api.weixin.qq.com/wxa/msg_sec_check', agent)));
      expectRelayed(parse(await undiciText('http://api.weixin.qq.com/wxa/msg_sec_check', agent)));
    } finally {
      await agent.close();
    }
  });

  it('axios: its proxy option, for http targets and (CONNECT, trusting the CA through httpsAgent) for https targets', async () => {
    const proxy = { protocol: 'http', host: '127.0.0.1', port: fwd.http };
    expectRelayed((await axios.get('http://api.weixin.qq.com/wxa/msg_sec_check', { proxy })).data);
    const httpsAgent = new HttpsAgent({ ca });
    expectRelayed((await axios.get('https://api.weixin.qq.com/wxa/msg_sec_check', { proxy, httpsAgent })).data);
    httpsAgent.destroy();
  });

  it('https-proxy-agent with node:https, and co-wechat-api given it as its agent (no base URL change)', async () => {
    const agent = new HttpsProxyAgent(fwd.base);
    const body = await new Promise<string>((resolve, reject) => {
      const options: RequestOptions = { agent, ca };
      httpsGet('https://api.weixin.qq.com/wxa/msg_sec_check', options, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
        res.on('error', reject);
      }).on('error', reject);
    });
    expectRelayed(parse(body));
    const api = new CoWechat(CO_APP.appid, CO_APP.secret);
    api.setOpts({ agent, ca });
    const data = await api.getMenu();
    expect(data.echo.tokenOwner).toEqual({ kind: 'app', appid: CO_APP.appid });
    agent.destroy();
  });

  it('global-agent: `node -r global-agent/bootstrap` with GLOBAL_AGENT_HTTP_PROXY and NODE_EXTRA_CA_CERTS routes node:http(s)', async () => {
    const script = `
      const get = (lib, url) => new Promise((resolve, reject) => require(lib).get(url, (res) => { let t = ''; res.on('data', (c) => (t += c)); res.on('end', () => resolve(JSON.parse(t))); }).on('error', reject));
      Promise.all([get('https', 'https://api.weixin.qq.com/wxa/msg_sec_check'), get('http', 'http://api.weixin.qq.com/wxa/msg_sec_check')])
        .then((answers) => { process.stdout.write(JSON.stringify(answers)); process.exit(0); }, (err) => { console.error(err); process.exit(1); });`;
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['-r', 'global-agent/bootstrap', '-e', script], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', GLOBAL_AGENT_HTTP_PROXY: fwd.base, NODE_EXTRA_CA_CERTS: caFile() },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`global-agent client exited ${code}: ${err}`));
      });
    });
    for (const data of JSON.parse(output) as { errcode: number; echo: Echo }[]) expectRelayed(data);
  });
});
