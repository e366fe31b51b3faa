import { z } from 'zod';

/**
 * Parses the environment with a zod schema once at boot. On a bad value the process stops
 * with one line naming the variable (README "Configuration") before anything is connected.
 */
export function loadConfig<S extends z.ZodType>(
  app: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
  /** Variables where an empty value means something (e.g. `WECHAT_API_BACKUP=` disables). */
  keepEmpty: string[] = [],
): z.infer<S> {
  // Otherwise empty strings mean "unset", as in most twelve-factor apps (compose's `VAR=`).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== undefined && (v !== '' || keepEmpty.includes(k))));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const variable = String(issue.path[0] ?? 'environment');
  // Echo the bad value to help, but never a secret: not for secret-named variables, and with any
  // URL userinfo (postgres://user:password@…, nats://user:pass@…) masked.
  const raw = env[variable];
  const shown =
    typeof raw === 'string' && !/PASS|TOKEN|KEY|SECRET|CREDS/.test(variable)
      ? ` (got ${JSON.stringify(raw.replace(/\/\/[^@/\s]*@/g, '//***@'))})`
      : '';
  process.stderr.write(`wxgate ${app}: invalid configuration: ${variable} ${issue.message}${shown}\n`);
  process.exit(78);
}

/** A TCP port variable (0 = any free port, handy in tests). */
export const port = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a port number' })
    .int('must be a port number')
    .min(0, 'must be a port number')
    .max(65535, 'must be a port number')
    .default(fallback);

export const positiveInt = (fallback: number, what = 'a positive integer') =>
  z.coerce.number({ message: `must be ${what}` }).int(`must be ${what}`).positive(`must be ${what}`).default(fallback);

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const logLevel = z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info');

/** An http(s) base URL without trailing slash; `''` (allowed only when `optional`) disables. */
export const httpBaseUrl = (fallback: string, optional = false) =>
  z
    .string()
    .default(fallback)
    .refine((v) => (optional && v === '') || /^https?:\/\/[^\s/?#]+$/.test(v.replace(/\/$/, '')), 'must be an http(s):// base URL (scheme://host[:port])')
    .transform((v) => v.replace(/\/$/, ''));

/** Variables every service reads. */
export const baseConfigShape = {
  LOG_LEVEL: logLevel,
};
