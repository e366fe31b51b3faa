/**
 * `wxgate caller add|rm|ls` as an operator runs them (`node bin/wxgate.js`, a real process) against
 * the built policy service on a private NATS: the secret printed once, never listed afterwards.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { callerSecretHash } from '@wxgate/contracts';
import { natsClient, rawRequest, ROOT, startApp, startNatsServer, type AppProcess, type NatsServerHandle } from './support/harness.js';

const run = promisify(execFile);
let nats: NatsServerHandle;
let policy: AppProcess;

async function wxgate(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [path.join(ROOT, 'bin/wxgate.js'), ...args], { env: { PATH: process.env.PATH, NATS_URL: nats.url } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

beforeAll(async () => {
  nats = await startNatsServer();
  policy = await startApp('policy', { NATS_URL: nats.url });
  await policy.waitReady();
  expect((await wxgate('env', 'add', 'shop', 'wxc11d0000000000c5', '--kind', 'app')).code).toBe(0);
}, 60_000);

afterAll(async () => {
  await policy?.stop('SIGKILL');
  await nats?.stop();
});

it('prints the secret once on caller add, lists names only, and removes', async () => {
  const added = await wxgate('caller', 'add', 'shop', 'orders-api');
  expect(added.code).toBe(0);
  const secret = /^(wxgc_[A-Za-z0-9_-]{43})$/m.exec(added.stdout)?.[1];
  expect(secret).toBeDefined();
  expect(added.stdout).toContain(`x-wxgate-caller: orders-api:${secret}`);
  // What policy stores is the hash of exactly what was printed.
  const nc = await natsClient(nats.url);
  try {
    expect(await rawRequest(nc, 'wxgate.policy.callers', { envId: 'shop' })).toEqual({ callers: [{ name: 'orders-api', secretHash: callerSecretHash(secret!) }] });
  } finally {
    await nc.close();
  }
  const asJson = JSON.parse((await wxgate('--json', 'caller', 'add', 'shop', 'cron')).stdout) as { name: string; secret: string };
  expect(asJson).toEqual({ name: 'cron', secret: expect.stringMatching(/^wxgc_/) });

  const listed = await wxgate('caller', 'ls', 'shop');
  expect(listed.code).toBe(0);
  expect(listed.stdout).toMatch(/orders-api/);
  expect(listed.stdout).toMatch(/cron/);
  expect(listed.stdout).not.toContain(secret!);
  expect(listed.stdout).not.toContain(asJson.secret);

  expect((await wxgate('caller', 'rm', 'shop', 'orders-api')).stdout).toMatch(/ok: caller orders-api removed from shop/);
  expect((await wxgate('caller', 'rm', 'shop', 'cron')).code).toBe(0);
  expect((await wxgate('caller', 'ls', 'shop')).stdout).toMatch(/\(none/);
});

it('refuses an existing name and an unknown environment with exit 1 and the reason', async () => {
  expect((await wxgate('caller', 'add', 'shop', 'dup')).code).toBe(0);
  const again = await wxgate('caller', 'add', 'shop', 'dup');
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(/^error: BAD_REQUEST: .*already a caller/);
  const nowhere = await wxgate('caller', 'ls', 'nowhere');
  expect(nowhere.code).toBe(1);
  expect(nowhere.stderr).toMatch(/^error: ENV_NOT_FOUND: /);
  expect((await wxgate('caller', 'add', 'shop', 'bad:name')).stderr).toMatch(/BAD_REQUEST: name must be a caller name/);
});
