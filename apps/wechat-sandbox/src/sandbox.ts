import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Clock } from '@wxgate/platform';
import { ADMIN_PREFIX, adminApi } from './admin/admin-api.js';
import { businessEndpoints, genericEcho } from './business/business-endpoints.js';
import { applyFaults } from './faults/apply-faults.js';
import { createContext, runHandler, sendWechatError, type Handler } from './http/request-context.js';
import { applyKnobs, defaultKnobs, type KnobsPatch } from './knobs.js';
import { payEndpoints } from './pay/pay-endpoints.js';
import { SandboxState, type Seed } from './sandbox-state.js';
import { tokenEndpoints } from './tokens/token-endpoints.js';

export interface SandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  clock?: Clock;
  knobs?: KnobsPatch;
  seed?: Seed;
}

export interface Sandbox {
  /** `http://host:port`, no trailing slash. */
  url: string;
  port: number;
  state: SandboxState;
  close(): Promise<void>;
}

/** Starts a sandbox: an in-memory api.weixin.qq.com on a plain Node HTTP server. */
export async function createSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const knobs = applyKnobs(defaultKnobs(), opts.knobs ?? {});
  const state = new SandboxState(opts.clock ?? new Clock(), knobs, opts.seed);
  state.applySeed();

  const routes = new Map<string, Handler>([...Object.entries(tokenEndpoints(state)), ...Object.entries(businessEndpoints(state))]);
  const fallback = genericEcho(state);
  const admin = adminApi(state);
  const pay = payEndpoints(state.pay);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const ctx = createContext(req, res);
    if (ctx.path.startsWith(ADMIN_PREFIX)) return admin(ctx);
    // WeChat Pay (api.mch.weixin.qq.com) shares the listener: every v3 path starts /v3/.
    if (ctx.path.startsWith('/v3/')) {
      try {
        return await pay(ctx);
      } finally {
        state.calls.record(ctx.method, ctx.path, ctx.rawQuery, ctx.errcode);
      }
    }
    try {
      const plan = state.faults.take(ctx.path);
      if (plan && (await applyFaults(ctx, plan))) return;
      if (!state.quotas.consume(ctx.path)) {
        sendWechatError(ctx, 45009);
        return;
      }
      await runHandler(routes.get(ctx.path) ?? fallback, ctx);
    } finally {
      state.calls.record(ctx.method, ctx.path, ctx.rawQuery, ctx.errcode);
    }
  };

  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 20_000, requestTimeout: 120_000 }, (req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    state,
    close: async () => {
      state.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
