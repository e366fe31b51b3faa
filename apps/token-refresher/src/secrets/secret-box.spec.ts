import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { memoryDatabase } from '../testing/refresher-fakes.js';
import { loadMasterKey, MasterKeyError } from './master-key.js';
import { verifyMasterKey } from './master-key-check.js';
import { SecretBox, SecretOpenError } from './secret-box.js';

describe('SecretBox (AES-256-GCM at rest)', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips and never shows the plaintext', () => {
    const sealed = box.seal('component-secret-value', 'component:wx1:secret');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('component-secret-value');
    expect(Buffer.from(sealed.slice(3), 'base64').toString('latin1')).not.toContain('component-secret-value');
    expect(box.open(sealed, 'component:wx1:secret')).toBe('component-secret-value');
    expect(box.seal('x', 'c')).not.toBe(box.seal('x', 'c'));
  });

  it('refuses a value moved to another row or column, a wrong key and tampering', () => {
    const sealed = box.seal('value', 'app:wx1:secret');
    expect(() => box.open(sealed, 'app:wx2:secret')).toThrow(SecretOpenError);
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'app:wx1:secret')).toThrow(SecretOpenError);
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => box.open(`v1.${raw.toString('base64')}`, 'app:wx1:secret')).toThrow(SecretOpenError);
    expect(() => box.open('garbage', 'app:wx1:secret')).toThrow(/wrong WXGATE_MASTER_KEY/);
  });
});

describe('master key', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'wxgate-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the key file once with 32 random bytes, mode 0600, and reuses it', () => {
    const file = path.join(dir, 'data', 'master.key');
    const key = loadMasterKey({ file });
    expect(key).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').equals(key)).toBe(true);
    expect(loadMasterKey({ file }).equals(key)).toBe(true);
  });

  it('prefers WXGATE_MASTER_KEY and rejects a malformed key by name', () => {
    const value = randomBytes(32).toString('base64');
    expect(loadMasterKey({ value, file: path.join(dir, 'unused') }).toString('base64')).toBe(value);
    expect(() => loadMasterKey({ value: 'c2hvcnQ=', file: 'x' })).toThrow(/WXGATE_MASTER_KEY must hold base64 of 32 bytes/);
  });

  it('refuses to start on a database sealed with another key', async () => {
    const db = await memoryDatabase();
    const key = randomBytes(32);
    await verifyMasterKey(db, new SecretBox(key));
    await verifyMasterKey(db, new SecretBox(key));
    await expect(verifyMasterKey(db, new SecretBox(randomBytes(32)))).rejects.toThrow(MasterKeyError);
    await db.destroy();
  });
});
