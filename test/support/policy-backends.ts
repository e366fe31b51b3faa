/**
 * Helpers for the policy service's e2e suites: the database backends they run on (SQLite always,
 * PostgreSQL when `TEST_DATABASE_URL` is set) and plain-JSON calls to its subjects.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { rawRequest, testPostgres } from './harness.js';

export interface PolicyBackend {
  /** Extra environment for `startApp('policy', …)`; SQLite uses the default `./data` file in the cwd. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export const sqliteBackend = async (): Promise<PolicyBackend> => ({ env: {}, drop: async () => undefined });

/** A fresh schema on `TEST_DATABASE_URL`, or `undefined` when PostgreSQL tests are off. */
export const postgresBackend = async (): Promise<PolicyBackend | undefined> => {
  const pg = await testPostgres();
  return pg && { env: { DATABASE_URL: pg.url }, drop: pg.drop };
};

export const POLICY_BACKENDS: [string, () => Promise<PolicyBackend | undefined>][] = [
  ['SQLite', sqliteBackend],
  ['PostgreSQL', postgresBackend],
];

/** `describe` for SQLite; for PostgreSQL only when `TEST_DATABASE_URL` is set. */
export const describeOn = (backend: string) => (backend === 'SQLite' || process.env.TEST_DATABASE_URL ? describe : describe.skip);

export type Reply = Record<string, unknown> & { error?: { reason: string; message: string; errcode: number } };

export const call = (nc: NatsConnection, subject: string, payload: object | string = {}) => rawRequest(nc, subject, payload) as Promise<Reply>;

/** The decision alone: the revision it carries is a lower bound, asserted by its own tests. */
export const check = async (nc: NatsConnection, envId: string, path: string, fromAppid?: string) => {
  const { revision: _revision, ...decision } = await checkWithRevision(nc, envId, path, fromAppid);
  return decision as Reply;
};

export const checkWithRevision = (nc: NatsConnection, envId: string, path: string, fromAppid?: string, minRevision?: number) =>
  call(nc, 'wxgate.policy.check', { envId, path, ...(fromAppid === undefined ? {} : { fromAppid }), ...(minRevision === undefined ? {} : { minRevision }) }) as Promise<Reply & { revision?: number }>;
