/**
 * Helpers for the policy service's e2e suites: the database backends they run on (SQLite always,
 * PostgreSQL when `TEST_DATABASE_URL` is set) and plain-JSON calls to its subjects.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { natsClient, rawRequest, startApp, startNatsServer, tempDir, testPostgres, type AppProcess, type NatsServerHandle } from './harness.js';

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

/** The built policy app on a private NATS and a fresh database, as a suite's `beforeAll` / `afterAll` set it up. */
export interface PolicyUnderTest {
  nats: NatsServerHandle;
  nc: NatsConnection;
  backend: PolicyBackend;
  policy: AppProcess;
  /** The working directory (SQLite's `./data` lives in it), kept across restarts. */
  cwd: ReturnType<typeof tempDir>;
  /** (Re)starts policy on the same NATS, database and directory, and waits until it is ready. */
  start(): Promise<void>;
}

/**
 * Registers the hooks that start policy before the suite (after `onConnect`, e.g. a subscription
 * that must hear the first change) and stop everything after it; the fields are set once
 * `beforeAll` ran.
 */
export function policyUnderTest(backendFactory: () => Promise<PolicyBackend | undefined>, tmpPrefix: string, onConnect?: (nc: NatsConnection) => void): PolicyUnderTest {
  const sut = { cwd: tempDir(tmpPrefix) } as PolicyUnderTest;
  sut.start = async () => {
    sut.policy = await startApp('policy', { NATS_URL: sut.nats.url, ...sut.backend.env }, { cwd: sut.cwd.path });
    await sut.policy.waitReady();
  };
  beforeAll(async () => {
    sut.nats = await startNatsServer();
    sut.nc = await natsClient(sut.nats.url);
    onConnect?.(sut.nc);
    sut.backend = (await backendFactory())!;
    await sut.start();
  });
  afterAll(async () => {
    await sut.policy?.stop('SIGKILL').catch(() => undefined);
    await sut.nc?.close();
    await sut.nats?.stop();
    await sut.backend?.drop();
    sut.cwd.remove();
  });
  return sut;
}
