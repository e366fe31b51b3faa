import { Readable } from 'node:stream';
import { CliExit } from './exit.js';
import { resolveSecrets, type Terminal } from './secrets.js';

const piped = (text: string): Terminal => ({
  stdin: Object.assign(Readable.from([Buffer.from(text)]), { isTTY: false }) as unknown as NodeJS.ReadStream,
  stderr: { write: () => true } as unknown as NodeJS.WriteStream,
});

describe('secrets from flags or a piped stdin', () => {
  it('keeps flag values and fills the missing ones from stdin lines in order', async () => {
    const specs = [
      { flag: '--secret', label: 'secret' },
      { flag: '--token', label: 'token', value: 'fromFlag' },
      { flag: '--aes-key', label: 'key' },
    ];
    await expect(resolveSecrets(specs, piped('s3cret\r\nkey43\n'))).resolves.toEqual(['s3cret', 'fromFlag', 'key43']);
  });

  it('does not read stdin when every secret is a flag', async () => {
    await expect(resolveSecrets([{ flag: '--secret', label: 's', value: 'v' }], piped('ignored'))).resolves.toEqual(['v']);
  });

  it('is a usage error (64) naming the flag when stdin runs out', async () => {
    const err = await resolveSecrets([{ flag: '--secret', label: 's' }, { flag: '--token', label: 't' }], piped('only-one\n')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliExit);
    expect((err as CliExit).code).toBe(64);
    expect((err as CliExit).message).toMatch(/^missing --token: /);
    expect((err as CliExit).message).not.toContain('only-one');
  });

  it('is a usage error (64) when more than 64 KiB arrive on stdin', async () => {
    const err = await resolveSecrets([{ flag: '--secret', label: 's' }], piped('x'.repeat(64 * 1024 + 1))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliExit);
    expect((err as CliExit).code).toBe(64);
    expect((err as CliExit).message).toBe('stdin: more than 64 KiB of secrets');
  });

  it('reads exactly 64 KiB of stdin', async () => {
    await expect(resolveSecrets([{ flag: '--secret', label: 's' }], piped('y'.repeat(64 * 1024)))).resolves.toEqual(['y'.repeat(64 * 1024)]);
  });
});
