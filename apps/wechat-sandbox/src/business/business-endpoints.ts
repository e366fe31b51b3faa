import { createHash, randomBytes } from 'node:crypto';
import { digestBody, sendJson, type Handler, type RequestContext } from '../http/request-context.js';
import { fail } from '../http/wechat-errors.js';
import type { SandboxState } from '../sandbox-state.js';
import { buildEcho, headerJson, type Echo } from './echo.js';
import { guardToken } from './token-guard.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const IMAGE_BYTES = 2048;

/** Image-like bytes that depend on the request, so a relay that mangles binary is caught. */
function fakeImage(echo: Echo): Buffer {
  const out = Buffer.alloc(IMAGE_BYTES);
  PNG_SIGNATURE.copy(out);
  let seed = createHash('sha256').update(echo.bodySha256).update(echo.query.raw).digest();
  for (let at = PNG_SIGNATURE.length; at < IMAGE_BYTES; at += seed.length) {
    seed.copy(out, at);
    seed = createHash('sha256').update(seed).digest();
  }
  return out;
}

async function received(state: SandboxState, ctx: RequestContext): Promise<Echo> {
  const body = await digestBody(ctx.req);
  const token = guardToken(state, ctx.path, ctx.query);
  return buildEcho(ctx, body, token);
}

const echoOk = (state: SandboxState): Handler => async (ctx) => {
  sendJson(ctx, { errcode: 0, errmsg: 'ok', echo: await received(state, ctx) });
};

/** Business APIs enough to exercise a relay: each checks its token like WeChat and echoes the request. */
export function businessEndpoints(state: SandboxState): Record<string, Handler> {
  return {
    '/wxa/getwxacode': async (ctx) => {
      const echo = await received(state, ctx);
      const image = fakeImage(echo);
      ctx.errcode = 0;
      ctx.res.writeHead(200, {
        'content-type': 'image/jpeg',
        'content-length': image.length,
        'x-sandbox-echo': headerJson(echo),
      });
      ctx.res.end(image);
    },

    '/wxa/msg_sec_check': echoOk(state),
    '/wxa/commit': echoOk(state),
    '/wxa/getwxadevinfo': echoOk(state),
    '/wxa/gettemplatedraftlist': async (ctx) => {
      sendJson(ctx, { errcode: 0, errmsg: 'ok', draft_list: [], echo: await received(state, ctx) });
    },

    '/sns/component/jscode2session': async (ctx) => {
      const echo = await received(state, ctx);
      const q = ctx.query;
      const componentAppid = q.get('component_appid') || fail(41002, 'component_appid missing');
      if (componentAppid !== echo.tokenOwner.appid) fail(40013, 'component_appid does not own this component_access_token');
      const appid = q.get('appid') || fail(41002, 'appid missing');
      const jsCode = q.get('js_code') || fail(40029, 'js_code missing');
      if (q.get('grant_type') !== 'authorization_code') fail(40002);
      if (state.authorizations.get(componentAppid, appid)?.status !== 'authorized') fail(61003);
      const openid = `o${createHash('sha256').update(`${appid}:${jsCode}`).digest('base64url').slice(0, 27)}`;
      sendJson(ctx, {
        errcode: 0,
        errmsg: 'ok',
        openid,
        session_key: randomBytes(16).toString('base64'),
        unionid: `u${openid.slice(1)}`,
        echo,
      });
    },

    '/cgi-bin/media/upload': async (ctx) => {
      const echo = await received(state, ctx);
      if (!String(ctx.req.headers['content-type'] ?? '').startsWith('multipart/form-data')) fail(41005, 'expected multipart/form-data');
      if (echo.bodyLength === 0) fail(41005);
      sendJson(ctx, {
        errcode: 0,
        errmsg: 'ok',
        type: ctx.query.get('type') ?? 'image',
        media_id: randomBytes(24).toString('base64url'),
        created_at: Math.floor(state.clock.now() / 1000),
        echo,
      });
    },
  };
}

/** Any other path: a valid token of the kind the path takes, then the echo (relays of allowlisted paths). */
export function genericEcho(state: SandboxState): Handler {
  return echoOk(state);
}
