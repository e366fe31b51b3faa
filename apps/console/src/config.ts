import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { natsConfigShape } from '@wxgate/nats';
import { baseConfigShape, port, positiveInt } from '@wxgate/platform';

export const APP = 'console';

/** The sign-in password: `CONSOLE_PASSWORD`, or the first line of `CONSOLE_PASSWORD_FILE`. No default. */
const passwordShape = {
  CONSOLE_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  CONSOLE_PASSWORD_FILE: z.string().optional(),
};

export const ConsoleConfigSchema = z
  .object({
    ...baseConfigShape,
    ...natsConfigShape,
    ...passwordShape,
    CONSOLE_PORT: port(8090),
    /** The console's own /healthz, /readyz and /metrics; kept off the console port (no sign-in there). */
    ADMIN_PORT: port(9093),
    /** Behind an HTTPS ingress: mark the session cookie `Secure`. */
    CONSOLE_COOKIE_SECURE: z.enum(['true', 'false'], { message: 'must be true or false' }).default('false').transform((v) => v === 'true'),
    CONSOLE_SESSION_TTL_S: positiveInt(8 * 3600, 'a positive number of seconds'),
    /** How often relay counters are sampled for the 1-hour traffic chart. */
    CONSOLE_SAMPLE_INTERVAL_S: positiveInt(10, 'a positive number of seconds'),
    /** NATS request timeout for admin subjects. */
    CONSOLE_REQUEST_TIMEOUT_MS: positiveInt(5_000, 'a positive number of milliseconds'),
  })
  .transform((config, ctx) => {
    let password = config.CONSOLE_PASSWORD;
    if (!password && config.CONSOLE_PASSWORD_FILE) {
      try {
        password = readFileSync(config.CONSOLE_PASSWORD_FILE, 'utf8').split(/\r?\n/)[0]!;
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['CONSOLE_PASSWORD_FILE'], message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
        return z.NEVER;
      }
      if (password.length < 8) {
        ctx.addIssue({ code: 'custom', path: ['CONSOLE_PASSWORD_FILE'], message: 'must hold a password of at least 8 characters on its first line' });
        return z.NEVER;
      }
    }
    if (!password) {
      ctx.addIssue({ code: 'custom', path: ['CONSOLE_PASSWORD'], message: 'is required (or CONSOLE_PASSWORD_FILE): the console has no default password' });
      return z.NEVER;
    }
    const { CONSOLE_PASSWORD: _p, CONSOLE_PASSWORD_FILE: _f, ...rest } = config;
    return { ...rest, password };
  });
export type ConsoleConfig = z.output<typeof ConsoleConfigSchema>;
