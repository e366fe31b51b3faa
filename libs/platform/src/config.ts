import { z } from 'zod';

/** A bad setting: `message` is the one line printed before exiting, starting with the variable (or flag) it names. */
export class ConfigError extends Error {
  constructor(
    /** The environment variable, or the command-line flag when the value came from one (`--port`). */
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ConfigSource {
  env?: NodeJS.ProcessEnv;
  /** Variables where an empty value means something (e.g. `WECHAT_API_BACKUP=` disables). */
  keepEmpty?: string[];
  /** Command-line arguments (`process.argv.slice(2)`), read only when `flags` names some. */
  argv?: string[];
  /** Flags that override a variable: `{ port: 'SANDBOX_PORT' }` makes `--port 0` win over `SANDBOX_PORT`. */
  flags?: Record<string, string>;
}

/**
 * Parses the environment (and any flags standing in for variables) with a zod schema. Throws a
 * `ConfigError` naming the variable of the first bad value; `loadConfig` is the boot-time form.
 */
export function parseConfig<S extends z.ZodType>(schema: S, source: ConfigSource = {}): z.infer<S> {
  const env = source.env ?? process.env;
  const keepEmpty = source.keepEmpty ?? [];
  // Otherwise empty strings mean "unset", as in most twelve-factor apps (compose's `VAR=`).
  const input: Record<string, string> = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && (e[1] !== '' || keepEmpty.includes(e[0]))),
  );
  const fromFlag = new Map<string, string>();
  if (source.flags && Object.keys(source.flags).length > 0) {
    for (const [flag, value] of Object.entries(readFlags(source.argv ?? [], Object.keys(source.flags)))) {
      const variable = source.flags[flag]!;
      input[variable] = value;
      fromFlag.set(variable, `--${flag}`);
    }
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const first = result.error.issues[0]!;
  const variable = String(first.path[0] ?? 'environment');
  const named = fromFlag.get(variable) ?? variable;
  const raw = fromFlag.has(variable) ? input[variable] : env[variable];
  if (typeof raw === 'string' && /^\s*[[{]/.test(raw)) {
    // A structured value (JSON): every problem inside it, by its path; the value itself is not echoed.
    const problems = result.error.issues
      .filter((i) => String(i.path[0]) === variable)
      .map((i) => (i.path.length > 1 ? `${i.path.slice(1).join('.')} ${i.message}` : i.message));
    throw new ConfigError(named, `${named}${first.path.length > 1 ? ':' : ''} ${problems.join('; ')}`);
  }
  // Echo the bad value to help, but never a secret: not for secret-named variables, and with any
  // URL userinfo (postgres://user:password@…, nats://user:pass@…) masked.
  const shown =
    typeof raw === 'string' && !/PASS|TOKEN|KEY|SECRET|CREDS/.test(variable)
      ? ` (got ${JSON.stringify(raw.replace(/\/\/[^@/\s]*@/g, '//***@'))})`
      : '';
  throw new ConfigError(named, `${named} ${first.message}${shown}`);
}

/** `--name value` and `--name=value` for the given names; anything else is a `ConfigError`. */
function readFlags(argv: string[], names: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq === -1 ? undefined : eq) : undefined;
    if (name === undefined || !names.includes(name)) {
      throw new ConfigError(arg, `${arg}: unknown argument (flags: ${names.map((n) => `--${n}`).join(', ')})`);
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new ConfigError(`--${name}`, `--${name} needs a value`);
    values[name] = value;
  }
  return values;
}

/**
 * Parses the configuration once at boot. On a bad value the process stops (exit 78, EX_CONFIG)
 * with one line naming the variable (README "Configuration") before anything is connected.
 */
export function loadConfig<S extends z.ZodType>(
  app: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
  /** Variables where an empty value means something, or the whole source (flags too). */
  options: string[] | Omit<ConfigSource, 'env'> = [],
): z.infer<S> {
  try {
    return parseConfig(schema, Array.isArray(options) ? { env, keepEmpty: options } : { ...options, env });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`wxgate ${app}: invalid configuration: ${e.message}\n`);
    process.exit(78);
  }
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
