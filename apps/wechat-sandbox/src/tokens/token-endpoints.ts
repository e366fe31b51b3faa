import { field, readJsonObject, sendJson, type Handler, type RequestContext } from '../http/request-context.js';
import { fail } from '../http/wechat-errors.js';
import type { SandboxState } from '../sandbox-state.js';
import type { Authorization } from '../authorizations/authorization-store.js';
import type { TokenRecord } from './token-store.js';

/** The component token of a `/cgi-bin/component/*` call, checked like WeChat checks it. */
export function requireComponentToken(state: SandboxState, ctx: RequestContext): TokenRecord {
  const check = state.tokens.check(ctx.query.get('component_access_token'));
  if (!check.ok) fail(check.errcode);
  if (check.record.kind !== 'component') fail(48001, 'component_access_token must be a component token');
  return check.record;
}

/** `component_appid` must be there (41002) and be the token's own component (40013). */
function requireSameComponent(body: Record<string, unknown>, token: TokenRecord): string {
  const appid = field(body, 'component_appid') ?? fail(41002, 'component_appid missing');
  if (appid !== token.appid) fail(40013, 'component_appid does not own this component_access_token');
  return appid;
}

function funcInfo(authorization: Authorization) {
  return authorization.funcScopes.map((id) => ({ funcscope_category: { id } }));
}

function checkAppSecret(expected: string, given: string | undefined): void {
  if (given === undefined) fail(41004);
  if (given !== expected) fail(40125);
}

export function tokenEndpoints(state: SandboxState): Record<string, Handler> {
  const { accounts, tokens, tickets, authorizations, knobs } = state;

  return {
    '/cgi-bin/component/api_component_token': async (ctx) => {
      const body = await readJsonObject(ctx.req);
      const appid = field(body, 'component_appid') ?? fail(41002, 'component_appid missing');
      const component = accounts.components.get(appid) ?? fail(40013);
      checkAppSecret(component.secret, field(body, 'component_appsecret'));
      const ticket = field(body, 'component_verify_ticket') ?? fail(61006, 'component_verify_ticket missing');
      const ticketCheck = tickets.check(appid, ticket);
      if (ticketCheck !== 0) fail(ticketCheck);
      const record = tokens.issue({ kind: 'component', channel: 'component', appid });
      sendJson(ctx, { component_access_token: record.token, expires_in: knobs.tokenTtlS });
    },

    '/cgi-bin/component/api_create_preauthcode': async (ctx) => {
      const token = requireComponentToken(state, ctx);
      const body = await readJsonObject(ctx.req);
      const appid = requireSameComponent(body, token);
      const { code, expiresInS } = authorizations.createPreAuthCode(appid);
      sendJson(ctx, { pre_auth_code: code, expires_in: expiresInS });
    },

    '/cgi-bin/component/api_query_auth': async (ctx) => {
      const token = requireComponentToken(state, ctx);
      const body = await readJsonObject(ctx.req);
      const appid = requireSameComponent(body, token);
      const code = field(body, 'authorization_code') ?? fail(61009, 'authorization_code missing');
      const redeemed = authorizations.redeemCode(appid, code);
      if (!redeemed.ok) fail(redeemed.errcode);
      const authorization = redeemed.value;
      const record = tokens.issue({ kind: 'authorizer', channel: 'authorizer', appid: authorization.authorizerAppid, componentAppid: appid });
      sendJson(ctx, {
        authorization_info: {
          authorizer_appid: authorization.authorizerAppid,
          authorizer_access_token: record.token,
          expires_in: knobs.tokenTtlS,
          authorizer_refresh_token: authorization.refreshToken,
          func_info: funcInfo(authorization),
        },
      });
    },

    '/cgi-bin/component/api_authorizer_token': async (ctx) => {
      const token = requireComponentToken(state, ctx);
      const body = await readJsonObject(ctx.req);
      const appid = requireSameComponent(body, token);
      const authorizerAppid = field(body, 'authorizer_appid') ?? fail(41002, 'authorizer_appid missing');
      const refreshToken = field(body, 'authorizer_refresh_token') ?? fail(61023, 'authorizer_refresh_token missing');
      const checked = authorizations.checkRefreshToken(appid, authorizerAppid, refreshToken);
      if (!checked.ok) fail(checked.errcode);
      const record = tokens.issue({ kind: 'authorizer', channel: 'authorizer', appid: authorizerAppid, componentAppid: appid });
      sendJson(ctx, {
        authorizer_access_token: record.token,
        expires_in: knobs.tokenTtlS,
        authorizer_refresh_token: checked.value.refreshToken,
      });
    },

    '/cgi-bin/component/api_get_authorizer_info': async (ctx) => {
      const token = requireComponentToken(state, ctx);
      const body = await readJsonObject(ctx.req);
      const appid = requireSameComponent(body, token);
      const authorizerAppid = field(body, 'authorizer_appid') ?? fail(41002, 'authorizer_appid missing');
      const authorization = authorizations.get(appid, authorizerAppid);
      if (authorization?.status !== 'authorized') fail(61003);
      sendJson(ctx, {
        authorizer_info: {
          nick_name: `sandbox ${authorizerAppid}`,
          head_img: '',
          service_type_info: { id: 0 },
          verify_type_info: { id: 0 },
          user_name: `gh_${authorizerAppid.slice(-12)}`,
          principal_name: 'wechat-sandbox',
          alias: '',
          qrcode_url: '',
          business_info: { open_pay: 0, open_shake: 0, open_scan: 0, open_card: 0, open_store: 0 },
          MiniProgramInfo: { network: {}, categories: [], visit_status: 0 },
        },
        authorization_info: {
          authorizer_appid: authorizerAppid,
          authorizer_refresh_token: authorization.refreshToken,
          func_info: funcInfo(authorization),
        },
      });
    },

    '/cgi-bin/component/api_get_authorizer_list': async (ctx) => {
      const token = requireComponentToken(state, ctx);
      const body = await readJsonObject(ctx.req);
      const appid = requireSameComponent(body, token);
      const offset = Number(body.offset ?? 0);
      const count = Number(body.count);
      if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(count) || count < 1 || count > 500) {
        fail(40097, 'offset must be >= 0 and count 1..500');
      }
      const all = authorizations.list(appid);
      sendJson(ctx, {
        total_count: all.length,
        list: all.slice(offset, offset + count).map((a) => ({
          authorizer_appid: a.authorizerAppid,
          refresh_token: a.refreshToken,
          auth_time: a.authTime,
        })),
      });
    },

    '/cgi-bin/component/api_start_push_ticket': async (ctx) => {
      const body = await readJsonObject(ctx.req);
      const appid = field(body, 'component_appid') ?? fail(41002, 'component_appid missing');
      const component = accounts.components.get(appid) ?? fail(40013);
      checkAppSecret(component.secret, field(body, 'component_secret'));
      void state.scheduler.pushNow(component).catch(() => undefined);
      sendJson(ctx, { errcode: 0, errmsg: 'ok' });
    },

    '/cgi-bin/token': async (ctx) => {
      // WeChat takes the parameters from the query on GET and POST alike.
      ctx.req.resume();
      const q = ctx.query;
      if (q.get('grant_type') !== 'client_credential') fail(40002);
      const appid = q.get('appid') || fail(41002);
      const app = accounts.apps.get(appid) ?? fail(40013);
      checkAppSecret(app.secret, q.get('secret') || undefined);
      const record = tokens.issue({ kind: 'app', channel: 'token', appid });
      sendJson(ctx, { access_token: record.token, expires_in: knobs.tokenTtlS });
    },

    '/cgi-bin/stable_token': async (ctx) => {
      const body = await readJsonObject(ctx.req);
      if (body.grant_type !== 'client_credential') fail(40002);
      const appid = field(body, 'appid') ?? fail(41002);
      const app = accounts.apps.get(appid) ?? fail(40013);
      checkAppSecret(app.secret, field(body, 'secret'));
      const force = body.force_refresh === true || body.force_refresh === 'true';
      const outcome = state.stableTokens.get(appid, force);
      if (!outcome.ok) fail(outcome.errcode);
      sendJson(ctx, { access_token: outcome.record.token, expires_in: outcome.expiresInS });
    },
  };
}
