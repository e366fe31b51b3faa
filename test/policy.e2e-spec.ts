import type { NatsConnection } from '@nats-io/transport-node';
import { waitFor } from './support/harness.js';
import { call, check, checkWithRevision, describeOn, POLICY_BACKENDS, policyUnderTest } from './support/policy-backends.js';

const APP = 'wx1234567890abcdef';
const SHARED = 'wx2234567890abcdef';
const STRANGER = 'wx3234567890abcdef';
const COMPONENT = 'wxc234567890abcdef';
const OK = { ok: true };

describe.each(POLICY_BACKENDS)('policy admin over NATS on %s (built app, private NATS)', (name, backendFactory) => {
  describeOn(name)(name, () => {
    const sut = policyUnderTest(backendFactory, 'wxgate-policy-');
    let nc: NatsConnection;
    beforeAll(() => void (nc = sut.nc));

    it.each([
      ['wxgate.admin.env.put', 'not json', /not JSON/],
      ['wxgate.admin.env.put', { envId: 'prod', ownerKind: 'app' }, /ownerAppid is required/],
      ['wxgate.admin.env.put', { envId: 'prod', ownerAppid: 'abc', ownerKind: 'app' }, /ownerAppid must be a WeChat appid/],
      ['wxgate.admin.env.put', { envId: 'prod', ownerAppid: APP, ownerKind: 'user' }, /ownerKind/],
      ['wxgate.admin.env.put', { envId: 'has spaces', ownerAppid: APP, ownerKind: 'app' }, /envId must be a slug/],
      ['wxgate.admin.env.put', { envId: 'a.b', ownerAppid: APP, ownerKind: 'app' }, /envId/],
      ['wxgate.admin.allowlist.add', { envId: 'prod', paths: [] }, /paths must list at least one path/],
      ['wxgate.admin.allowlist.add', { envId: 'prod', paths: ['/wxa/commit', '/cgi-bin/token'] }, /paths\.1 "\/cgi-bin\/token" is a reserved/],
      ['wxgate.admin.allowlist.add', { envId: 'prod', paths: ['/wxa/commit/'] }, /"\/wxa\/commit\/" must not end with \//],
      ['wxgate.admin.allowlist.add', { envId: 'prod', paths: ['/wxa/../cgi-bin/token'] }, /"\/wxa\/\.\.\/cgi-bin\/token" has a \. or \.\. segment/],
      ['wxgate.admin.allowlist.add', { envId: 'prod', paths: ['/wxa//x'] }, /empty segment/],
      ['wxgate.admin.allowlist.add', { envId: 'prod', paths: ['/wxa/x?a=1'] }, /"\/wxa\/x\?a=1" may contain only/],
      ['wxgate.admin.allowlist.add', { envId: 'prod', paths: ['wxa/x'] }, /must start with \//],
      ['wxgate.admin.allowlist.remove', { envId: 'prod' }, /paths is required/],
      ['wxgate.admin.share.add', { envId: 'prod', appid: '' }, /appid must be a WeChat appid/],
      ['wxgate.admin.share.list', {}, /envId is required/],
      ['wxgate.admin.env.get', { envId: '' }, /envId/],
      ['wxgate.policy.check', { envId: 'prod' }, /path is required/],
      ['wxgate.policy.check', { path: '/wxa/commit' }, /envId is required/],
      ['wxgate.policy.check', 'not json', /not JSON/],
    ])('answers %s %j with BAD_REQUEST naming what is wrong', async (subject, payload, message) => {
      const reply = await call(nc, subject, payload);
      expect(reply.error).toEqual({ reason: 'BAD_REQUEST', message: expect.stringMatching(message), errcode: expect.any(Number) });
    });

    it('rejects a whole allowlist.add when one path is invalid', async () => {
      expect(await call(nc, 'wxgate.admin.env.put', { envId: 'strict', ownerAppid: APP, ownerKind: 'app' })).toEqual(OK);
      expect((await call(nc, 'wxgate.admin.allowlist.add', { envId: 'strict', paths: ['/wxa/ok', '/cgi-bin/stable_token'] })).error?.reason).toBe('BAD_REQUEST');
      expect(await call(nc, 'wxgate.admin.allowlist.list', { envId: 'strict' })).toEqual({ paths: [] });
    });

    it.each([
      ['wxgate.admin.allowlist.add', { envId: 'nowhere', paths: ['/wxa/commit'] }],
      ['wxgate.admin.allowlist.remove', { envId: 'nowhere', paths: ['/wxa/commit'] }],
      ['wxgate.admin.allowlist.list', { envId: 'nowhere' }],
      ['wxgate.admin.share.add', { envId: 'nowhere', appid: SHARED }],
      ['wxgate.admin.share.remove', { envId: 'nowhere', appid: SHARED }],
      ['wxgate.admin.share.list', { envId: 'nowhere' }],
      ['wxgate.admin.env.get', { envId: 'nowhere' }],
      ['wxgate.admin.env.delete', { envId: 'nowhere' }],
    ])('answers %s on an unknown environment with ENV_NOT_FOUND', async (subject, payload) => {
      expect((await call(nc, subject, payload)).error).toEqual({ reason: 'ENV_NOT_FOUND', message: expect.stringContaining('nowhere'), errcode: 48001 });
    });

    it('round-trips environments, allowlists and shares, idempotently', async () => {
      expect(await call(nc, 'wxgate.admin.env.put', { envId: 'prod', ownerAppid: APP, ownerKind: 'app' })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.env.put', { envId: 'prod', ownerAppid: APP, ownerKind: 'app' })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.allowlist.add', { envId: 'prod', paths: ['/wxa/getwxacode', '/cgi-bin/message/custom/send', '/wxa/Commit'] })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.allowlist.add', { envId: 'prod', paths: ['/wxa/getwxacode', '/wxa/getwxacode'] })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.allowlist.remove', { envId: 'prod', paths: ['/never/listed'] })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.allowlist.list', { envId: 'prod' })).toEqual({ paths: ['/cgi-bin/message/custom/send', '/wxa/Commit', '/wxa/getwxacode'] });
      expect(await call(nc, 'wxgate.admin.share.add', { envId: 'prod', appid: SHARED })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.share.add', { envId: 'prod', appid: SHARED })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.share.add', { envId: 'prod', appid: STRANGER })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.share.remove', { envId: 'prod', appid: STRANGER })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.share.remove', { envId: 'prod', appid: STRANGER })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.share.list', { envId: 'prod' })).toEqual({ appids: [SHARED] });
      expect(await call(nc, 'wxgate.admin.env.put', { envId: 'comp', ownerAppid: COMPONENT, ownerKind: 'component' })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.allowlist.add', { envId: 'comp', paths: ['/wxa/gettemplatedraftlist', '/sns/component/jscode2session'] })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.env.get', { envId: 'prod' })).toEqual({
        envId: 'prod',
        ownerAppid: APP,
        ownerKind: 'app',
        paths: ['/cgi-bin/message/custom/send', '/wxa/Commit', '/wxa/getwxacode'],
        appids: [SHARED],
      });
      expect(await call(nc, 'wxgate.admin.env.list', {})).toEqual({
        envs: [
          { envId: 'comp', ownerAppid: COMPONENT, ownerKind: 'component' },
          { envId: 'prod', ownerAppid: APP, ownerKind: 'app' },
          { envId: 'strict', ownerAppid: APP, ownerKind: 'app' },
        ],
      });
    });

    const decisions = async () => ({
      own: await check(nc, 'prod', '/wxa/getwxacode'),
      shared: await check(nc, 'prod', '/wxa/getwxacode', SHARED),
      stranger: await check(nc, 'prod', '/wxa/getwxacode', STRANGER),
      caseSensitive: await check(nc, 'prod', '/wxa/commit'),
      template: await check(nc, 'comp', '/wxa/gettemplatedraftlist'),
      jscode2session: await check(nc, 'comp', '/sns/component/jscode2session'),
      neverAuthorized: await check(nc, 'comp', '/wxa/gettemplatedraftlist', SHARED),
      unknownEnv: await check(nc, 'nowhere', '/wxa/getwxacode'),
    });
    let before: Awaited<ReturnType<typeof decisions>>;

    it('answers policy.check by the documented rules, denials as replies rather than errors', async () => {
      before = await decisions();
      expect(before).toEqual({
        own: { allowed: true, credential: { kind: 'app', appid: APP }, tokenParam: 'access_token' },
        shared: { allowed: true, credential: { kind: 'app', appid: SHARED }, tokenParam: 'access_token' },
        stranger: { allowed: false, reason: 'FROM_APPID_NOT_SHARED', errcode: 48001, message: expect.any(String) },
        caseSensitive: { allowed: false, reason: 'PATH_NOT_ALLOWED', errcode: 85107, message: expect.any(String) },
        template: { allowed: true, credential: { kind: 'component', appid: COMPONENT }, tokenParam: 'access_token' },
        jscode2session: { allowed: true, credential: { kind: 'component', appid: COMPONENT }, tokenParam: 'component_access_token', componentAppid: COMPONENT },
        neverAuthorized: { allowed: false, reason: 'AUTHORIZER_NOT_AUTHORIZED', errcode: 61007, message: expect.any(String) },
        unknownEnv: { allowed: false, reason: 'ENV_NOT_FOUND', errcode: 48001, message: expect.any(String) },
      });
    });

    it('counts checks by decision and reason on /metrics', async () => {
      const metrics = await (await fetch(`http://127.0.0.1:${sut.policy.adminPort}/metrics`)).text();
      expect(metrics).toMatch(/^wxgate_policy_checks_total\{decision="allowed",reason=""\} [1-9]/m);
      expect(metrics).toMatch(/^wxgate_policy_checks_total\{decision="denied",reason="AUTHORIZER_NOT_AUTHORIZED"\} [1-9]/m);
      expect(metrics).toMatch(/^wxgate_policy_checks_total\{decision="denied",reason="ENV_NOT_FOUND"\} [1-9]/m);
    });

    it('keeps every admin change across a restart (same database, same working directory)', async () => {
      const detail = await call(nc, 'wxgate.admin.env.get', { envId: 'prod' });
      const list = await call(nc, 'wxgate.admin.env.list', {});
      expect((await sut.policy.stop('SIGTERM')).code).toBe(0);
      await sut.start();
      expect(await call(nc, 'wxgate.admin.env.get', { envId: 'prod' })).toEqual(detail);
      expect(await call(nc, 'wxgate.admin.env.list', {})).toEqual(list);
      expect(await decisions()).toEqual(before);
    });

    it('re-owns an environment on a second env.put, keeping its allowlist and shares', async () => {
      expect(await call(nc, 'wxgate.admin.env.put', { envId: 'prod', ownerAppid: COMPONENT, ownerKind: 'component' })).toEqual(OK);
      expect(await check(nc, 'prod', '/wxa/getwxacode')).toEqual({ allowed: true, credential: { kind: 'component', appid: COMPONENT }, tokenParam: 'access_token' });
      expect(await call(nc, 'wxgate.admin.share.list', { envId: 'prod' })).toEqual({ appids: [SHARED] });
      expect(await call(nc, 'wxgate.admin.env.put', { envId: 'prod', ownerAppid: APP, ownerKind: 'app' })).toEqual(OK);
      expect(await check(nc, 'prod', '/wxa/getwxacode', SHARED)).toEqual(before.shared);
    });

    it('deletes an environment with its allowlist and shares', async () => {
      expect(await call(nc, 'wxgate.admin.env.delete', { envId: 'prod' })).toEqual(OK);
      expect((await check(nc, 'prod', '/wxa/getwxacode')).reason).toBe('ENV_NOT_FOUND');
      expect((await call(nc, 'wxgate.admin.env.get', { envId: 'prod' })).error?.reason).toBe('ENV_NOT_FOUND');
      expect(await call(nc, 'wxgate.admin.env.put', { envId: 'prod', ownerAppid: APP, ownerKind: 'app' })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.env.get', { envId: 'prod' })).toEqual({ envId: 'prod', ownerAppid: APP, ownerKind: 'app', paths: [], appids: [] });
      expect((await check(nc, 'prod', '/wxa/getwxacode')).reason).toBe('PATH_NOT_ALLOWED');
    });

    it('raises the revision with every committed change (not a no-op), announces it in policy.changed and reports it in policy.check', async () => {
      const heard: number[] = [];
      const sub = nc.subscribe('wxgate.events.policy.changed.rev', { callback: (_err, msg) => void heard.push((msg.json() as { revision: number }).revision) });
      expect(await call(nc, 'wxgate.admin.env.put', { envId: 'rev', ownerAppid: APP, ownerKind: 'app' })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.allowlist.add', { envId: 'rev', paths: ['/wxa/commit'] })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.allowlist.add', { envId: 'rev', paths: ['/wxa/commit'] })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.allowlist.remove', { envId: 'rev', paths: ['/wxa/commit'] })).toEqual(OK);
      await waitFor(() => heard.length === 3, { what: 'three policy.changed' });
      sub.unsubscribe();
      expect([heard[1]! - heard[0]!, heard[2]! - heard[1]!]).toEqual([1, 1]);
      expect(await checkWithRevision(nc, 'rev', '/wxa/commit', undefined, heard[2])).toMatchObject({ allowed: false, reason: 'PATH_NOT_ALLOWED', revision: heard[2] });
      expect((await checkWithRevision(nc, 'rev', '/wxa/commit')).revision).toBeGreaterThanOrEqual(heard[2]!);
    });

    (name === 'PostgreSQL' ? it : it.skip)('answers checks from memory alone: they keep working while the database is gone', async () => {
      const served = await decisions();
      await sut.backend.drop();
      expect(await decisions()).toEqual(served);
      expect((await call(nc, 'wxgate.admin.env.list', {})).error?.reason).toBe('INTERNAL');
    });

    it('stops on SIGTERM with exit code 0', async () => {
      expect((await sut.policy.stop('SIGTERM')).code).toBe(0);
    });
  });
});
