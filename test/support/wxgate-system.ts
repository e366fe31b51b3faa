/**
 * The whole of wxgate for forwarder proofs: a private NATS server, the sandbox as WeChat, the
 * built token-refresher and policy services (real processes, SQLite in temp dirs), credentials
 * put through their admin subjects, and forwarders started on demand.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../apps/wechat-sandbox/src/sandbox.js';
import { freePort, natsClient, rawRequest, startApp, startNatsServer, tempDir, type AppProcess, type NatsServerHandle } from './harness.js';
import { pushTicket } from './refresher-fixtures.js';

export const SYSTEM = {
  app: { appid: 'wxsysapp0000001', secret: 'sys-app-secret' },
  shared: { appid: 'wxsysshared0001', secret: 'sys-shared-secret' },
  component: { appid: 'wxsyscomp000001', secret: 'sys-component-secret', token: 'sysmsgtoken', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' },
  authorizer: { appid: 'wxsysauth000001', refreshToken: 'refreshtoken-sys-authorizer-0001' },
} as const;

export interface WxgateSystem {
  nats: NatsServerHandle;
  nc: NatsConnection;
  sandbox: Sandbox;
  refresher: AppProcess;
  policy: AppProcess;
  /** NATS request with a JSON reply (error replies are returned, not thrown). */
  req(subject: string, payload?: object): Promise<Record<string, unknown>>;
  startRefresher(): Promise<AppProcess>;
  startForwarder(env: Record<string, string>): Promise<{ proc: AppProcess; http: number; https: number; base: string }>;
  stop(): Promise<void>;
}

export async function startWxgateSystem(options: { sandbox?: SandboxOptions; refresherEnv?: Record<string, string> } = {}): Promise<WxgateSystem> {
  const nats = await startNatsServer();
  const nc = await natsClient(nats.url);
  const { app, shared, component, authorizer } = SYSTEM;
  const sandbox = await createSandbox({
    ...options.sandbox,
    seed: {
      apps: [app, shared],
      components: [component],
      authorizations: [{ componentAppid: component.appid, authorizerAppid: authorizer.appid, funcScopes: [17, 18], refreshToken: authorizer.refreshToken }],
    },
  });
  const dirs = { refresher: tempDir('wxgate-sys-refresher-'), policy: tempDir('wxgate-sys-policy-') };
  const forwarders: AppProcess[] = [];
  const refresherEnv = { NATS_URL: nats.url, WECHAT_API_BASE: sandbox.url, WECHAT_API_BACKUP: '', WECHATPAY_API_BASE: sandbox.url, WECHATPAY_API_BACKUP: '', CALLBACK_PORT: String(await freePort()), ...options.refresherEnv };
  const system: WxgateSystem = {
    nats,
    nc,
    sandbox,
    refresher: undefined as unknown as AppProcess,
    policy: await startApp('policy', { NATS_URL: nats.url }, { cwd: dirs.policy.path }),
    req: async (subject, payload = {}) => (await rawRequest(nc, subject, payload, 10_000)) as Record<string, unknown>,
    async startRefresher() {
      system.refresher = await startApp('token-refresher', refresherEnv, { cwd: dirs.refresher.path });
      await system.refresher.waitReady();
      return system.refresher;
    },
    async startForwarder(env) {
      const [http, https] = [await freePort(), await freePort()];
      const proc = await startApp('forwarder', { NATS_URL: nats.url, WECHAT_API_BASE: sandbox.url, WECHAT_API_BACKUP: '', WECHATPAY_API_BASE: sandbox.url, WECHATPAY_API_BACKUP: '', PORT: String(http), TLS_PORT: String(https), ...env });
      forwarders.push(proc);
      await proc.waitReady();
      return { proc, http, https, base: `http://127.0.0.1:${http}` };
    },
    async stop() {
      // Flush before closing: nats.js may still have a scheduled flush that would write after the end.
      await nc.flush().catch(() => undefined);
      await nc.close().catch(() => undefined);
      for (const proc of [...forwarders, system.refresher, system.policy]) await proc?.stop('SIGKILL').catch(() => undefined);
      await sandbox.close();
      await nats.stop();
      dirs.refresher.remove();
      dirs.policy.remove();
    },
  };
  await Promise.all([system.startRefresher(), system.policy.waitReady()]);

  const ok = async (subject: string, payload: object) => {
    const reply = await system.req(subject, payload);
    if (!reply.ok) throw new Error(`${subject} failed: ${JSON.stringify(reply)}`);
  };
  await ok('wxgate.admin.app.put', { appid: app.appid, secret: app.secret });
  await ok('wxgate.admin.app.put', { appid: shared.appid, secret: shared.secret });
  await ok('wxgate.admin.component.put', { componentAppid: component.appid, componentAppsecret: component.secret, token: component.token, encodingAesKey: component.encodingAesKey });
  await pushTicket(nc, sandbox, component.appid);
  await ok('wxgate.admin.authorizer.put', { componentAppid: component.appid, authorizerAppid: authorizer.appid, refreshToken: authorizer.refreshToken });
  return system;
}

/** Puts an environment with its allowlist (and shares) through the policy service's admin subjects. */
export async function putEnv(system: WxgateSystem, env: { envId: string; ownerAppid: string; ownerKind: 'app' | 'component'; paths: string[]; shares?: string[] }): Promise<void> {
  const replies = [
    await system.req('wxgate.admin.env.put', { envId: env.envId, ownerAppid: env.ownerAppid, ownerKind: env.ownerKind }),
    await system.req('wxgate.admin.allowlist.add', { envId: env.envId, paths: env.paths }),
    ...(await Promise.all((env.shares ?? []).map((appid) => system.req('wxgate.admin.share.add', { envId: env.envId, appid })))),
  ];
  for (const reply of replies) if (!reply.ok) throw new Error(`putting env ${env.envId} failed: ${JSON.stringify(reply)}`);
}
