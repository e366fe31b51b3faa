/**
 * Upgrading a database from before authorizers were (component, authorizer) pairs: the previous
 * schema is created by the previous migration and filled the way that release filled it (secrets
 * sealed under their old contexts), then the built token-refresher starts on it. Every stored
 * token keeps being served, the first start makes no WeChat call, and the re-sealed refresh
 * token still mints. SQLite always; PostgreSQL too when TEST_DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { openDataSource, parseDatabaseUrl } from '@wxgate/persistence';
import { createSandbox, type Sandbox } from '../apps/wechat-sandbox/src/sandbox.js';
import { RefresherInitial1763700000000 } from '../apps/token-refresher/src/persistence/migrations/1763700000000-refresher-initial.js';
import { MetaEntity } from '../apps/token-refresher/src/persistence/entities/meta.entity.js';
import { verifyMasterKey } from '../apps/token-refresher/src/secrets/master-key-check.js';
import { SecretBox } from '../apps/token-refresher/src/secrets/secret-box.js';
import { freePort, natsClient, rawRequest, startApp, startNatsServer, tempDir, testPostgres, type NatsServerHandle } from './support/harness.js';
import { aesKey, PATHS } from './support/refresher-fixtures.js';

const COMPONENT = 'wxupgradecomp0001';
const AUTHORIZER = 'wxupgradeauth0001';
const APP = 'wxupgradeapp00001';
const REFRESH_TOKEN = 'refreshtoken-upgrade-0001';

const backends: ('sqlite' | 'postgres')[] = process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

describe.each(backends)('upgrading a %s database to authorizer pairs', (backend) => {
  let nats: NatsServerHandle;
  let sandbox: Sandbox;
  let postgres: Awaited<ReturnType<typeof testPostgres>>;
  const work = tempDir('wxgate-upgrade-');
  const key = randomBytes(32);

  beforeAll(async () => {
    nats = await startNatsServer();
    sandbox = await createSandbox({
      seed: {
        components: [{ appid: COMPONENT, secret: 'upgrade-component-secret', token: 'upgradetoken', encodingAesKey: aesKey() }],
        authorizations: [{ componentAppid: COMPONENT, authorizerAppid: AUTHORIZER, funcScopes: [18], refreshToken: REFRESH_TOKEN }],
      },
    });
    if (backend === 'postgres') postgres = await testPostgres();
  });
  afterAll(async () => {
    await sandbox?.close();
    await nats?.stop();
    await postgres?.drop();
    work.remove();
  });

  it('keeps every token valid, makes no WeChat call on the first start, and the re-sealed refresh token mints', async () => {
    const url = backend === 'postgres' ? postgres!.url : `sqlite:${path.join(work.path, 'refresher.sqlite')}`;
    const now = Date.now();
    const expiresAt = now + 3_600_000;
    const box = new SecretBox(key);
    // Tokens and the ticket the sandbox issued (in process: not calls), so they are WeChat's own.
    const ticket = sandbox.state.tickets.issue(COMPONENT);
    const stored = {
      component: sandbox.state.tokens.issue({ kind: 'component', channel: 'component', appid: COMPONENT }).token,
      authorizer: sandbox.state.tokens.issue({ kind: 'authorizer', channel: 'authorizer', appid: AUTHORIZER, componentAppid: COMPONENT }).token,
      app: `app-token-${now}`,
    };

    // The previous release's schema and rows, sealed under its contexts.
    const target = parseDatabaseUrl(url, work.path);
    const previous = await openDataSource({ app: 'token-refresher', target, entities: [MetaEntity], migrations: [RefresherInitial1763700000000] });
    try {
      await verifyMasterKey(previous, box);
      const insert = (table: string, values: Record<string, unknown>) => previous
          .createQueryBuilder()
          .insert()
          .into(previous.driver.buildTableName(table, target.type === 'postgres' ? target.schema : undefined))
          .values(values)
          .execute();
      await insert('refresher_components', {
        appid: COMPONENT,
        secret: box.seal('upgrade-component-secret', `component:${COMPONENT}:secret`),
        verify_token: box.seal('upgradetoken', `component:${COMPONENT}:verify_token`),
        aes_key: box.seal(aesKey(), `component:${COMPONENT}:aes_key`),
        ticket: box.seal(ticket, `component:${COMPONENT}:ticket`),
        ticket_created_at: now,
        updated_at: now,
      });
      await insert('refresher_apps', { appid: APP, secret: box.seal('upgrade-app-secret', `app:${APP}:secret`), updated_at: now });
      await insert('refresher_authorizers', {
        appid: AUTHORIZER,
        component_appid: COMPONENT,
        refresh_token: box.seal(REFRESH_TOKEN, `authorizer:${AUTHORIZER}:refresh_token`),
        status: 'authorized',
        func_scopes: '[18]',
        changed_at: now,
        updated_at: now,
      });
      for (const [kind, appid] of [['component', COMPONENT], ['authorizer', AUTHORIZER], ['app', APP]] as const) {
        await insert('refresher_tokens', { kind, appid, token: box.seal(stored[kind], `token:${kind}:${appid}`), obtained_at: now, expires_at: expiresAt, failures: 0 });
      }
      // A token row of an authorizer that no longer exists belongs to no pair.
      await insert('refresher_tokens', { kind: 'authorizer', appid: 'wxupgradegone0001', token: box.seal('gone', 'token:authorizer:wxupgradegone0001'), obtained_at: now, expires_at: expiresAt, failures: 0 });
    } finally {
      await previous.destroy();
    }

    const refresher = await startApp(
      'token-refresher',
      { NATS_URL: nats.url, DATABASE_URL: url, WXGATE_MASTER_KEY: key.toString('base64'), WECHAT_API_BASE: sandbox.url, WECHAT_API_BACKUP: '', CALLBACK_PORT: String(await freePort()) },
      { cwd: work.path },
    );
    const nc = await natsClient(nats.url);
    try {
      await refresher.waitReady();
      const get = (subject: string) => rawRequest(nc, subject, {}) as Promise<Record<string, unknown>>;
      expect(await get(`wxgate.token.get.component.${COMPONENT}`)).toEqual({ kind: 'component', appid: COMPONENT, token: stored.component, expiresAt });
      expect(await get(`wxgate.token.get.app.${APP}`)).toEqual({ kind: 'app', appid: APP, token: stored.app, expiresAt });
      const pair = { kind: 'authorizer', appid: AUTHORIZER, componentAppid: COMPONENT, token: stored.authorizer, expiresAt };
      expect(await get(`wxgate.token.get.authorizer.${COMPONENT}.${AUTHORIZER}`)).toEqual(pair);
      expect(await get(`wxgate.token.get.authorizer.${AUTHORIZER}`)).toEqual(pair);
      const listed = (await rawRequest(nc, 'wxgate.admin.credentials.list', {})) as { kind: string; appid: string; componentAppid?: string; status: string }[];
      expect(listed.map((c) => [c.kind, c.appid, c.componentAppid, c.status])).toEqual([
        ['component', COMPONENT, undefined, 'ok'],
        ['authorizer', AUTHORIZER, COMPONENT, 'ok'],
        ['app', APP, undefined, 'ok'],
      ]);
      expect(sandbox.state.calls.snapshot().calls).toEqual([]);

      // The refresh token was re-sealed under its pair: invalidating the token mints with it.
      const fresh = (await rawRequest(nc, `wxgate.token.invalidate.authorizer.${COMPONENT}.${AUTHORIZER}`, { token: stored.authorizer })) as Record<string, unknown>;
      expect(fresh.token).not.toBe(stored.authorizer);
      expect(sandbox.state.tokens.current({ channel: 'authorizer', appid: AUTHORIZER, componentAppid: COMPONENT })?.token).toBe(fresh.token);
      expect(sandbox.state.calls.count(PATHS.authorizerToken)).toBe(1);
    } finally {
      await nc.close();
      await refresher.stop('SIGTERM');
    }
  }, 60_000);
});
