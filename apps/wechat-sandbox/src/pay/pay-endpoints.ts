import { randomUUID } from 'node:crypto';
import { encryptResource, parseAuthorization, verifyRequestAuthorization } from '@wxgate/wechatpay';
import { readBody, type RequestContext } from '../http/request-context.js';
import { PayFailure } from './pay-failure.js';
import type { PaySandbox } from './pay-sandbox.js';
import { orderView, refundView, type Merchant, type Order } from './pay-store.js';

type Json = Record<string, unknown>;
interface PayCall {
  ctx: RequestContext;
  merchant: Merchant;
  body: Json;
  match: RegExpExecArray;
}
type PayRoute = [method: string, pattern: RegExp, handler: (call: PayCall) => Promise<PayAnswer> | PayAnswer];
interface PayAnswer {
  status: number;
  body?: object;
}

const str = (body: Json, name: string): string => {
  const v = body[name];
  if (typeof v !== 'string' || v === '') throw new PayFailure(400, 'PARAM_ERROR', `输入源"/body/${name}"映射到字段"${name}"必填性规则校验失败`);
  return v;
};
const amountOf = (body: Json, name: string): number => {
  const amount = body.amount as Json | undefined;
  const v = amount?.[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new PayFailure(400, 'PARAM_ERROR', `amount.${name} must be a positive integer`);
  return v;
};

/** The WeChat Pay API v3 endpoints the sandbox plays: every call signed and verified as in production. */
export function payEndpoints(pay: PaySandbox): (ctx: RequestContext) => Promise<void> {
  const mustOwn = (call: PayCall) => {
    if (call.ctx.method === 'POST' && call.body.mchid !== undefined && call.body.mchid !== call.merchant.mchid) {
      throw new PayFailure(400, 'PARAM_ERROR', 'mchid in the body does not match the Authorization header');
    }
  };
  const createOrder = (tradeType: Order['trade_type']) => (call: PayCall): PayAnswer => {
    mustOwn(call);
    const { body } = call;
    const outTradeNo = str(body, 'out_trade_no');
    const notifyUrl = str(body, 'notify_url');
    if (notifyUrl.includes('?')) throw new PayFailure(400, 'PARAM_ERROR', 'notify_url must not carry a query string');
    const existing = pay.store.order(call.merchant.mchid, outTradeNo);
    if (existing?.trade_state === 'SUCCESS' || existing?.trade_state === 'REFUND') throw new PayFailure(400, 'ORDERPAID', '该订单已支付');
    if (existing?.trade_state === 'CLOSED') throw new PayFailure(400, 'ORDER_CLOSED', '订单已关闭');
    const openid = tradeType === 'JSAPI' ? ((body.payer as Json | undefined)?.openid as string | undefined) : undefined;
    if (tradeType === 'JSAPI' && !openid) throw new PayFailure(400, 'PARAM_ERROR', 'payer.openid is required for JSAPI');
    const order =
      existing ??
      pay.store.addOrder({
        appid: str(body, 'appid'),
        mchid: call.merchant.mchid,
        out_trade_no: outTradeNo,
        trade_type: tradeType,
        trade_state: 'NOTPAY',
        trade_state_desc: '订单未支付',
        description: str(body, 'description'),
        ...(typeof body.attach === 'string' ? { attach: body.attach } : {}),
        notify_url: notifyUrl,
        ...(openid ? { payer: { openid } } : {}),
        amount: { total: amountOf(body, 'total'), currency: ((body.amount as Json).currency as string | undefined) ?? 'CNY' },
        refunded: 0,
      });
    return { status: 200, body: tradeType === 'JSAPI' ? { prepay_id: order.prepay_id } : { code_url: order.code_url } };
  };
  const queried = (order: Order | undefined): PayAnswer => {
    if (!order) throw new PayFailure(404, 'ORDER_NOT_EXIST', '订单不存在');
    return { status: 200, body: orderView(order) };
  };

  const routes: PayRoute[] = [
    [
      'GET',
      /^\/v3\/certificates$/,
      async ({ merchant }) => ({
        status: 200,
        body: {
          data: (await pay.keys.certificates()).map((c) => ({
            serial_no: c.serialNo,
            effective_time: new Date(c.effectiveAt).toISOString().replace('.000Z', '+00:00'),
            expire_time: new Date(c.expiresAt).toISOString().replace('.000Z', '+00:00'),
            encrypt_certificate: encryptResource(merchant.apiV3Key, c.pem, { associatedData: 'certificate' }),
          })),
        },
      }),
    ],
    ['POST', /^\/v3\/pay\/transactions\/jsapi$/, createOrder('JSAPI')],
    ['POST', /^\/v3\/pay\/transactions\/native$/, createOrder('NATIVE')],
    ['GET', /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)$/, ({ merchant, match }) => queried(pay.store.order(merchant.mchid, match[1]!))],
    ['GET', /^\/v3\/pay\/transactions\/id\/([^/]+)$/, ({ merchant, match }) => queried(pay.store.orderByTransaction(merchant.mchid, match[1]!))],
    [
      'POST',
      /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/,
      (call) => {
        mustOwn(call);
        const order = pay.store.order(call.merchant.mchid, call.match[1]!);
        if (!order) throw new PayFailure(404, 'ORDER_NOT_EXIST', '订单不存在');
        if (order.trade_state !== 'NOTPAY' && order.trade_state !== 'CLOSED') throw new PayFailure(400, 'ORDERPAID', '该订单已支付');
        order.trade_state = 'CLOSED';
        order.trade_state_desc = '订单已关闭';
        return { status: 204 };
      },
    ],
    ['POST', /^\/v3\/refund\/domestic\/refunds$/, (call) => pay.refund(call.merchant, call.body)],
    [
      'GET',
      /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/,
      ({ merchant, match }) => {
        const refund = pay.store.refund(merchant.mchid, match[1]!);
        if (!refund) throw new PayFailure(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
        return { status: 200, body: refundView(refund) };
      },
    ],
  ];

  // An answer to a correctly signed request is signed, errors included; a signature failure is not.
  const sendError = async (ctx: RequestContext, e: PayFailure, merchant: Merchant | undefined) => {
    const text = JSON.stringify({ code: e.code, message: e.message });
    const headers = merchant ? await pay.signer.headers(merchant, text) : {};
    ctx.errcode = e.status;
    ctx.res.writeHead(e.status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'request-id': randomUUID() });
    ctx.res.end(text);
  };

  return async (ctx) => {
    let merchant: Merchant | undefined;
    try {
      const raw = await readBody(ctx.req);
      const url = ctx.rawQuery ? `${ctx.path}?${ctx.rawQuery}` : ctx.path;
      const auth = parseAuthorization(ctx.req.headers.authorization);
      if (!auth) throw new PayFailure(401, 'SIGN_ERROR', 'Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》');
      const candidate = pay.store.merchants.get(auth.mchid);
      if (!candidate) throw new PayFailure(401, 'SIGN_ERROR', '商户号不存在或签名验证失败');
      if (auth.serialNo !== candidate.serialNo) throw new PayFailure(401, 'SIGN_ERROR', '商户证书序列号有误');
      const verdict = verifyRequestAuthorization(auth, { method: ctx.method, url, body: raw }, candidate.publicKey, pay.clock.now());
      if (verdict === 'STALE_TIMESTAMP') throw new PayFailure(401, 'SIGN_ERROR', '签名时间戳与当前时间相差过大');
      if (verdict !== 'ok') throw new PayFailure(401, 'SIGN_ERROR', '签名错误');
      merchant = candidate;
      pay.signedCalls++;
      let body: Json = {};
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8')) as Json;
        } catch {
          throw new PayFailure(400, 'PARAM_ERROR', '请求体不是合法的JSON');
        }
      }
      const hit = routes.map(([m, re, h]) => [m, re.exec(ctx.path), h] as const).find(([m, match]) => match && m === ctx.method);
      if (!hit) throw new PayFailure(404, 'NOT_FOUND', `no sandbox route ${ctx.method} ${ctx.path}`);
      const answer = await hit[2]({ ctx, merchant, body, match: hit[1]! });
      const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
      const headers = await pay.signer.headers(merchant, text);
      ctx.errcode = answer.status;
      ctx.res.writeHead(answer.status, {
        ...headers,
        'request-id': randomUUID(),
        ...(answer.body === undefined ? {} : { 'content-type': 'application/json' }),
        'content-length': Buffer.byteLength(text),
      });
      ctx.res.end(text);
    } catch (e) {
      if (!(e instanceof PayFailure)) throw e;
      await sendError(ctx, e, merchant);
    }
  };
}
