import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { startApp, startNatsServer, tempDir, type NatsServerHandle } from './support/harness.js';

describe('token-refresher master key (WXGATE_MASTER_KEY / ./data/master.key)', () => {
  let nats: NatsServerHandle;
  const work = tempDir('wxgate-refresher-key-');

  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(async () => {
    await nats?.stop();
    work.remove();
  });

  const env = () => ({ NATS_URL: nats.url, WECHAT_API_BASE: 'http://127.0.0.1:1', WECHAT_API_BACKUP: '', CALLBACK_PORT: '0' });

  it('creates ./data/master.key once (mode 0600) and refuses to start with another key, in one line', async () => {
    const first = await startApp('token-refresher', env(), { cwd: work.path });
    await first.waitReady();
    expect((await first.stop('SIGTERM')).code).toBe(0);
    const keyFile = path.join(work.path, 'data', 'master.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(Buffer.from(key, 'base64')).toHaveLength(32);

    // Same database, the key given by variable: the right one starts, a wrong one does not.
    const right = await startApp('token-refresher', { ...env(), WXGATE_MASTER_KEY: key }, { cwd: work.path });
    await right.waitReady();
    await right.stop('SIGTERM');
    const wrongKey = randomBytes(32).toString('base64');
    const wrong = await startApp('token-refresher', { ...env(), WXGATE_MASTER_KEY: wrongKey }, { cwd: work.path });
    const code = await Promise.race([wrong.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000))]);
    expect(code).not.toBe(0);
    expect(code).not.toBe('timeout');
    const stderrLine = wrong.output().split('\n').filter((l) => l.startsWith('wxgate token-refresher: failed to start'));
    expect(stderrLine).toHaveLength(1);
    expect(stderrLine[0]).toMatch(/master key .* not the one this database was encrypted with/);
    expect(wrong.output()).not.toContain(wrongKey);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
  });
});
