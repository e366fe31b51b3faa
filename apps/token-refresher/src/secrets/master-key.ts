import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Thrown when the key cannot be had; its message is the one line the failed start prints. */
export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

function decode(text: string, source: string): Buffer {
  const value = text.trim();
  const key = Buffer.from(value, 'base64');
  if (key.length !== 32 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    throw new MasterKeyError(`${source} must hold base64 of 32 bytes`);
  }
  return key;
}

/**
 * The master key (README "Configuration"): `WXGATE_MASTER_KEY` when set, else the key file, created once with
 * 32 random bytes (mode 0600, exclusive create so two replicas starting together agree).
 */
export function loadMasterKey(options: { value?: string; file: string }): Buffer {
  if (options.value) return decode(options.value, 'WXGATE_MASTER_KEY');
  const file = path.resolve(options.file);
  try {
    return decode(readFileSync(file, 'utf8'), `master key file ${file}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (err instanceof MasterKeyError) throw err;
      throw new MasterKeyError(`cannot read master key file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(32);
  try {
    writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return key;
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return decode(readFileSync(file, 'utf8'), `master key file ${file}`);
    throw new MasterKeyError(`cannot create master key file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
