/**
 * Caller credentials in the policy service (docs/callers.md): the admin subjects, what is stored
 * (a hash, never the secret), the broadcast that revokes, and the forwarder-facing hash list, on
 * SQLite and (with TEST_DATABASE_URL) PostgreSQL.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { waitFor } from './support/harness.js';
import { call, describeOn, POLICY_BACKENDS, policyUnderTest } from './support/policy-backends.js';

const APP = 'wx1234567890abcdef';
const OK = { ok: true };
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe.each(POLICY_BACKENDS)('caller credentials in policy on %s', (name, backendFactory) => {
  describeOn(name)(name, () => {
    const changed: string[] = [];
    const sut = policyUnderTest(backendFactory, 'wxgate-policy-callers-', (conn) => {
      conn.subscribe('wxgate.events.policy.changed.>', { callback: (_e, msg) => void changed.push(msg.subject) });
    });
    let nc: NatsConnection;

    beforeAll(async () => {
      nc = sut.nc;
      expect(await call(nc, 'wxgate.admin.env.put', { envId: 'prod', ownerAppid: APP, ownerKind: 'app' })).toEqual(OK);
    });

    let secret: string;

    it('issues a 256-bit secret once, keeps only its hash, and announces the change', async () => {
      const seen = changed.length;
      const reply = await call(nc, 'wxgate.admin.caller.add', { envId: 'prod', name: 'billing-svc' });
      expect(reply).toEqual({ name: 'billing-svc', secret: expect.stringMatching(/^wxgc_[A-Za-z0-9_-]{43}$/) });
      secret = reply.secret as string;
      await waitFor(() => changed.slice(seen).includes('wxgate.events.policy.changed.prod'), { what: 'policy.changed.prod' });
      const other = await call(nc, 'wxgate.admin.caller.add', { envId: 'prod', name: 'ops.cron' });
      expect(other.secret).not.toBe(secret);
      expect(await call(nc, 'wxgate.admin.caller.list', { envId: 'prod' })).toEqual({
        callers: [
          { name: 'billing-svc', addedAt: expect.any(Number) },
          { name: 'ops.cron', addedAt: expect.any(Number) },
        ],
      });
      expect(await call(nc, 'wxgate.policy.callers', { envId: 'prod' })).toEqual({
        callers: expect.arrayContaining([
          { name: 'billing-svc', secretHash: sha256(secret) },
          { name: 'ops.cron', secretHash: sha256(other.secret as string) },
        ]),
      });
      if (name === 'SQLite') expect(readFileSync(path.join(sut.cwd.path, 'data/policy.sqlite')).includes(secret)).toBe(false);
    });

    it('refuses to re-key an existing name, and answers an unknown environment with ENV_NOT_FOUND', async () => {
      expect((await call(nc, 'wxgate.admin.caller.add', { envId: 'prod', name: 'billing-svc' })).error).toEqual({ reason: 'BAD_REQUEST', message: expect.stringContaining('already a caller'), errcode: expect.any(Number) });
      expect(await call(nc, 'wxgate.policy.callers', { envId: 'prod' })).toEqual({ callers: expect.arrayContaining([{ name: 'billing-svc', secretHash: sha256(secret) }]) });
      for (const subject of ['wxgate.admin.caller.add', 'wxgate.admin.caller.remove', 'wxgate.admin.caller.list']) {
        expect((await call(nc, subject, { envId: 'nowhere', name: 'x' })).error).toMatchObject({ reason: 'ENV_NOT_FOUND', errcode: 48001 });
      }
      expect(await call(nc, 'wxgate.policy.callers', { envId: 'nowhere' })).toEqual({ callers: [] });
    });

    it.each([
      [{ envId: 'prod' }, /name is required/],
      [{ envId: 'prod', name: 'has:colon' }, /name must be a caller name/],
      [{ envId: 'prod', name: '' }, /name must be a caller name/],
      [{ envId: 'prod', name: 'x'.repeat(65) }, /name must be a caller name/],
      [{ envId: 'a b', name: 'svc' }, /envId/],
    ])('answers caller.add %j with BAD_REQUEST naming the field', async (payload, message) => {
      expect((await call(nc, 'wxgate.admin.caller.add', payload)).error).toEqual({ reason: 'BAD_REQUEST', message: expect.stringMatching(message), errcode: expect.any(Number) });
    });

    it('keeps callers across a restart', async () => {
      const list = await call(nc, 'wxgate.admin.caller.list', { envId: 'prod' });
      expect((await sut.policy.stop('SIGTERM')).code).toBe(0);
      await sut.start();
      expect(await call(nc, 'wxgate.admin.caller.list', { envId: 'prod' })).toEqual(list);
    });

    it('removes a caller (announcing it), idempotently', async () => {
      const seen = changed.length;
      expect(await call(nc, 'wxgate.admin.caller.remove', { envId: 'prod', name: 'ops.cron' })).toEqual(OK);
      await waitFor(() => changed.slice(seen).includes('wxgate.events.policy.changed.prod'), { what: 'policy.changed.prod' });
      expect(await call(nc, 'wxgate.admin.caller.remove', { envId: 'prod', name: 'ops.cron' })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.caller.list', { envId: 'prod' })).toEqual({ callers: [{ name: 'billing-svc', addedAt: expect.any(Number) }] });
      expect(await call(nc, 'wxgate.policy.callers', { envId: 'prod' })).toEqual({ callers: [{ name: 'billing-svc', secretHash: sha256(secret) }] });
    });

    it('deletes the callers with their environment', async () => {
      expect(await call(nc, 'wxgate.admin.env.delete', { envId: 'prod' })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.env.put', { envId: 'prod', ownerAppid: APP, ownerKind: 'app' })).toEqual(OK);
      expect(await call(nc, 'wxgate.admin.caller.list', { envId: 'prod' })).toEqual({ callers: [] });
      expect(await call(nc, 'wxgate.policy.callers', { envId: 'prod' })).toEqual({ callers: [] });
    });
  });
});
