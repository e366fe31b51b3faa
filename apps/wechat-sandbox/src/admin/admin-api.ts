import type { z } from 'zod';
import { readBody, type RequestContext } from '../http/request-context.js';
import { SimulationError } from '../authorizations/authorization-simulator.js';
import { faultSchema } from '../faults/fault-store.js';
import { knobsPatchSchema } from '../knobs.js';
import { PayFailure } from '../pay/pay-failure.js';
import { payFaultSchema, payMerchantSchema, payProbeSchema, payRetireSchema, payRotateSchema, payTransactionSchema } from '../pay/pay-schemas.js';
import type { SandboxState } from '../sandbox-state.js';
import type { TokenChannel } from '../tokens/token-store.js';
import {
  appSchema,
  authorizeSchema,
  componentSchema,
  pushTicketSchema,
  tokenTargetSchema,
  unauthorizeSchema,
} from './admin-schemas.js';

export const ADMIN_PREFIX = '/__sandbox/';

class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function parseBody<S extends z.ZodType>(ctx: RequestContext, schema: S): Promise<z.infer<S>> {
  const raw = (await readBody(ctx.req)).toString('utf8');
  let data: unknown;
  try {
    data = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch {
    throw new AdminError(400, 'body is not JSON');
  }
  const result = schema.safeParse(data);
  if (!result.success) {
    throw new AdminError(400, result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  return result.data;
}

function send(ctx: RequestContext, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  ctx.res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  ctx.res.end(text);
}

type AdminRoute = (ctx: RequestContext) => Promise<unknown> | unknown;

/** The sandbox-only API under `/__sandbox/`: seeding, simulations, knobs, faults, introspection. */
export function adminApi(state: SandboxState): (ctx: RequestContext) => Promise<void> {
  const resolveToken = (target: z.infer<typeof tokenTargetSchema>): string => {
    if ('token' in target) {
      if (!state.tokens.get(target.token)) throw new AdminError(404, 'no such token');
      return target.token;
    }
    const channel: TokenChannel = target.kind === 'app' ? (target.stable ? 'stable' : 'token') : target.kind;
    const record = state.tokens.current({ channel, appid: target.appid, componentAppid: target.componentAppid });
    if (!record) throw new AdminError(404, `no current ${channel} token for ${target.appid}`);
    return record.token;
  };

  const routes: Record<string, AdminRoute> = {
    'GET state': () => state.summary(),
    'POST reset': () => {
      state.reset();
      return { ok: true };
    },
    'POST components': async (ctx) => {
      state.registerComponent(await parseBody(ctx, componentSchema));
      return { ok: true };
    },
    'POST apps': async (ctx) => {
      state.registerApp(await parseBody(ctx, appSchema));
      return { ok: true };
    },
    'POST tickets/push': async (ctx) => {
      const { componentAppid } = await parseBody(ctx, pushTicketSchema);
      const component = state.accounts.components.get(componentAppid);
      if (!component) throw new AdminError(404, `unknown component ${componentAppid}`);
      return state.scheduler.pushNow(component);
    },
    'POST authorizations/authorize': async (ctx) => state.simulator.authorize(await parseBody(ctx, authorizeSchema)),
    'POST authorizations/update': async (ctx) => state.simulator.update(await parseBody(ctx, authorizeSchema)),
    'POST authorizations/unauthorize': async (ctx) => state.simulator.unauthorize(await parseBody(ctx, unauthorizeSchema)),
    'GET knobs': () => state.knobs,
    'PATCH knobs': async (ctx) => state.setKnobs(await parseBody(ctx, knobsPatchSchema)),
    'POST quotas/reset': () => {
      state.quotas.reset();
      return { ok: true };
    },
    'GET faults': () => ({ faults: state.faults.list() }),
    'POST faults': async (ctx) => ({ fault: state.faults.add(await parseBody(ctx, faultSchema)) }),
    'DELETE faults': (ctx) => {
      state.faults.clear(ctx.query.get('path') ?? undefined);
      return { ok: true };
    },
    'POST tokens/expire': async (ctx) => {
      state.tokens.expire(resolveToken(await parseBody(ctx, tokenTargetSchema)));
      return { ok: true };
    },
    'POST tokens/supersede': async (ctx) => {
      state.tokens.supersede(resolveToken(await parseBody(ctx, tokenTargetSchema)));
      return { ok: true };
    },
    'POST pay/merchants': async (ctx) => state.pay.registerMerchant(await parseBody(ctx, payMerchantSchema)),
    'POST pay/transactions/pay': async (ctx) => {
      const { mchid, outTradeNo, openid } = await parseBody(ctx, payTransactionSchema);
      const { transactionId, notification } = state.pay.pay(mchid, outTradeNo, openid);
      return { transactionId, notificationId: notification.id };
    },
    'GET pay/notifications': () => ({ notifications: state.pay.notifications.list() }),
    'POST pay/notifications/probe': async (ctx) => {
      const { mchid, url } = await parseBody(ctx, payProbeSchema);
      const merchant = state.pay.store.merchants.get(mchid);
      if (!merchant) throw new AdminError(404, `unknown merchant ${mchid}`);
      return state.pay.notifications.probe(merchant, url);
    },
    'POST pay/certificates/rotate': async (ctx) => {
      const { activate } = await parseBody(ctx, payRotateSchema);
      return { serialNo: (await state.pay.keys.rotate(activate ?? false)).serialNo };
    },
    'POST pay/certificates/retire': async (ctx) => {
      const { serialNo } = await parseBody(ctx, payRetireSchema);
      if (!state.pay.keys.retire(serialNo)) throw new AdminError(409, `${serialNo} is unknown or the signing certificate`);
      return { ok: true };
    },
    'POST pay/faults': async (ctx) => {
      const { kind, count } = await parseBody(ctx, payFaultSchema);
      state.pay.signer.setFault(kind, count);
      return { ok: true };
    },
    'GET calls': () => state.calls.snapshot(),
    'DELETE calls': () => {
      state.calls.clear();
      return { ok: true };
    },
  };
  routes['PUT knobs'] = routes['PATCH knobs']!;
  routes['POST knobs'] = routes['PATCH knobs']!;

  return async (ctx) => {
    const route = routes[`${ctx.method} ${ctx.path.slice(ADMIN_PREFIX.length)}`];
    try {
      if (!route) throw new AdminError(404, `no admin route ${ctx.method} ${ctx.path}`);
      send(ctx, 200, await route(ctx));
    } catch (e) {
      if (e instanceof AdminError) send(ctx, e.status, { error: e.message });
      else if (e instanceof SimulationError) send(ctx, 409, { error: e.message });
      else if (e instanceof PayFailure) send(ctx, e.status, { error: e.message, code: e.code });
      else send(ctx, 500, { error: (e as Error).message });
    }
  };
}
