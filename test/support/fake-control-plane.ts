/**
 * Stand-ins for the policy service and the token-refresher on a real NATS server: raw
 * `nc.subscribe` handlers answering `wxgate.policy.check`, `wxgate.policy.callers`, `wxgate.token.get.*.*` and
 * `wxgate.token.invalidate.*.*` with tokens the sandbox issued. For relay-mechanics tests only;
 * the proof of the whole system runs the real services.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { PolicyDecision } from '@wxgate/contracts';
import type { Sandbox } from '../../apps/wechat-sandbox/src/sandbox.js';
import { natsClient } from './harness.js';

export interface FakeControlPlane {
  nc: NatsConnection;
  /** Decision by `path` or `path?fromAppid`; anything missing is PATH_NOT_ALLOWED. */
  decisions: Map<string, PolicyDecision>;
  /** What `wxgate.policy.callers` answers: none by default (no caller credential required). */
  callers: { name: string; secretHash: string }[];
  counts: { policyCheck: number; tokenGet: number; tokenInvalidate: number };
  /** When set, token.get answers this error instead. */
  tokenError?: { reason: string; message: string; errcode: number };
  close(): Promise<void>;
}

export const allowApp = (appid: string): PolicyDecision => ({ allowed: true, credential: { kind: 'app', appid }, tokenParam: 'access_token' });

export async function startFakeControlPlane(natsUrl: string, sandbox: Sandbox): Promise<FakeControlPlane> {
  const nc = await natsClient(natsUrl);
  const subs: Subscription[] = [];
  const fake: FakeControlPlane = {
    nc,
    decisions: new Map(),
    callers: [],
    counts: { policyCheck: 0, tokenGet: 0, tokenInvalidate: 0 },
    close: async () => {
      for (const s of subs) s.unsubscribe();
      await nc.flush().catch(() => undefined);
      await nc.close().catch(() => undefined);
    },
  };
  const current = (kind: 'app' | 'component' | 'authorizer', appid: string) => {
    const channel = kind === 'app' ? 'token' : kind;
    const existing = sandbox.state.tokens.current({ channel, appid });
    const record = existing && !existing.invalidAt && existing.expiresAt > Date.now() ? existing : sandbox.state.tokens.issue({ kind, channel, appid });
    return { kind, appid, token: record.token, expiresAt: record.expiresAt - 1000 };
  };
  subs.push(
    nc.subscribe('wxgate.policy.check', {
      callback: (_e, msg) => {
        fake.counts.policyCheck++;
        const req = msg.json<{ envId: string; path: string; fromAppid?: string }>();
        const decision = fake.decisions.get(req.fromAppid ? `${req.path}?${req.fromAppid}` : req.path) ?? {
          allowed: false,
          reason: 'PATH_NOT_ALLOWED',
          errcode: 85107,
          message: `${req.path} is not on the allowlist of ${req.envId}`,
        };
        msg.respond(JSON.stringify(decision));
      },
    }),
    nc.subscribe('wxgate.policy.callers', { callback: (_e, msg) => void msg.respond(JSON.stringify({ callers: fake.callers })) }),
    nc.subscribe('wxgate.token.get.*.*', {
      callback: (_e, msg) => {
        fake.counts.tokenGet++;
        const [, , , kind, appid] = msg.subject.split('.');
        if (fake.tokenError) msg.respond(JSON.stringify({ error: fake.tokenError }));
        else msg.respond(JSON.stringify(current(kind as 'app', appid!)));
      },
    }),
    nc.subscribe('wxgate.token.invalidate.*.*', {
      callback: (_e, msg) => {
        fake.counts.tokenInvalidate++;
        const [, , , kind, appid] = msg.subject.split('.');
        const { token } = msg.json<{ token: string }>();
        const now = current(kind as 'app', appid!);
        if (now.token === token) sandbox.state.tokens.supersede(token);
        msg.respond(JSON.stringify(current(kind as 'app', appid!)));
      },
    }),
  );
  await nc.flush();
  return fake;
}
