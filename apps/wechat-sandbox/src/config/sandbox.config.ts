import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { seedSchema } from '../admin/admin-schemas.js';
import { DEFAULT_QUOTAS, type KnobsPatch } from '../knobs.js';
import type { Seed } from '../sandbox-state.js';

export interface SandboxConfig {
  port: number;
  host: string;
  knobs: KnobsPatch;
  seed: Seed;
}

/** A bad setting; the message is the one line printed before exiting, naming the variable. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

const NUMERIC_KNOBS = {
  SANDBOX_TOKEN_TTL_S: 'tokenTtlS',
  SANDBOX_OVERLAP_S: 'overlapS',
  SANDBOX_STABLE_SWAP_S: 'stableSwapS',
  SANDBOX_FORCE_REFRESH_INTERVAL_S: 'forceRefreshIntervalS',
  SANDBOX_TICKET_INTERVAL_S: 'ticketIntervalS',
  SANDBOX_TICKET_TTL_S: 'ticketTtlS',
  SANDBOX_TICKET_GRACE_S: 'ticketGraceS',
  SANDBOX_PRE_AUTH_CODE_TTL_S: 'preAuthCodeTtlS',
  SANDBOX_AUTH_CODE_TTL_S: 'authCodeTtlS',
  SANDBOX_PUSH_RETRIES: 'pushRetries',
  SANDBOX_PUSH_RETRY_DELAY_MS: 'pushRetryDelayMs',
  SANDBOX_CALLBACK_TIMEOUT_MS: 'callbackTimeoutMs',
  SANDBOX_PAY_NOTIFY_SCALE: 'payNotifyScale',
  SANDBOX_CALL_LOG_MAX: 'callLogMax',
} as const satisfies Record<string, keyof KnobsPatch>;

const INTEGER_KNOBS: ReadonlySet<string> = new Set(['pushRetries', 'pushRetryDelayMs', 'callbackTimeoutMs', 'callLogMax']);

/** `SANDBOX_QUOTA_<NAME>`: NAME is the path's last segment in capitals (`API_COMPONENT_TOKEN`). */
export function quotaEnvName(key: string): string {
  const last = key.slice(key.lastIndexOf('/') + 1).replace('#', '_');
  return `SANDBOX_QUOTA_${last.toUpperCase()}`;
}

function number(name: string, raw: string, opts: { integer?: boolean; min?: number } = {}): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || (opts.integer && !Number.isInteger(value)) || value < (opts.min ?? 0)) {
    throw new ConfigError(`${name} must be a ${opts.integer ? 'whole ' : ''}number >= ${opts.min ?? 0}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function boolean(name: string, raw: string): boolean {
  if (/^(1|true|on|yes)$/i.test(raw)) return true;
  if (/^(0|false|off|no)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be on or off, got ${JSON.stringify(raw)}`);
}

function jsonOrFile(name: string, raw: string): unknown {
  const text = raw.trim().startsWith('{') ? raw : readText(name, raw);
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError(`${name} is not valid JSON (inline, or a path to a JSON file)`);
  }
}

function readText(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`${name}: cannot read ${path}`);
  }
}

/** Port, host, knobs and seed from the environment, overridden by `--port`, `--host`, `--seed`. */
export function loadConfig(env: Env, argv: string[] = []): SandboxConfig {
  const program = new Command('wechat-sandbox')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined })
    .option('--port <port>')
    .option('--host <host>')
    .option('--seed <json-or-path>');
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    throw new ConfigError(e instanceof CommanderError ? e.message : String(e));
  }
  const flags = program.opts<{ port?: string; host?: string; seed?: string }>();

  const portRaw = flags.port ?? env.SANDBOX_PORT ?? '9100';
  const port = number(flags.port ? '--port' : 'SANDBOX_PORT', portRaw, { integer: true });
  if (port > 65535) throw new ConfigError(`${flags.port ? '--port' : 'SANDBOX_PORT'} must be a port number, got ${portRaw}`);

  const knobs: KnobsPatch = {};
  const mutable = knobs as Record<string, number>;
  for (const [name, knob] of Object.entries(NUMERIC_KNOBS)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') mutable[knob] = number(name, raw, { integer: INTEGER_KNOBS.has(knob) });
  }
  if (knobs.tokenTtlS === 0) throw new ConfigError('SANDBOX_TOKEN_TTL_S must be > 0');
  if (env.SANDBOX_CALL_LOG) knobs.callLog = boolean('SANDBOX_CALL_LOG', env.SANDBOX_CALL_LOG);
  if (env.SANDBOX_ROTATE_REFRESH_TOKENS) knobs.rotateRefreshTokens = boolean('SANDBOX_ROTATE_REFRESH_TOKENS', env.SANDBOX_ROTATE_REFRESH_TOKENS);

  const quotas: Record<string, number | null> = {};
  if (env.SANDBOX_QUOTAS) {
    const parsed = jsonOrFile('SANDBOX_QUOTAS', env.SANDBOX_QUOTAS);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError('SANDBOX_QUOTAS must be a JSON object of path → daily limit');
    for (const [path, limit] of Object.entries(parsed)) {
      if (limit !== null && (!Number.isInteger(limit) || (limit as number) < 0)) {
        throw new ConfigError(`SANDBOX_QUOTAS: the limit of ${path} must be a whole number >= 0 or null`);
      }
      quotas[path] = limit as number | null;
    }
  }
  for (const key of Object.keys(DEFAULT_QUOTAS)) {
    const name = quotaEnvName(key);
    if (env[name]) quotas[key] = number(name, env[name], { integer: true });
  }
  if (Object.keys(quotas).length > 0) knobs.quotas = quotas;

  let seed: Seed = {};
  const seedRaw = flags.seed ?? env.SANDBOX_SEED;
  if (seedRaw) {
    const name = flags.seed ? '--seed' : 'SANDBOX_SEED';
    const result = seedSchema.safeParse(jsonOrFile(name, seedRaw));
    if (!result.success) {
      throw new ConfigError(`${name}: ${result.error.issues.map((i) => `${i.path.join('.') || 'seed'} ${i.message}`).join('; ')}`);
    }
    seed = result.data;
  }

  return { port, host: flags.host ?? env.SANDBOX_HOST ?? '127.0.0.1', knobs, seed };
}
