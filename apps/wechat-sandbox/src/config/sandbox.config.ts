import { readFileSync } from 'node:fs';
import { port } from '@wxgate/platform';
import { z } from 'zod';
import { seedSchema } from '../admin/admin-schemas.js';
import { DEFAULT_QUOTAS, type KnobsPatch } from '../knobs.js';
import type { Seed } from '../sandbox-state.js';

export interface SandboxConfig {
  port: number;
  host: string;
  knobs: KnobsPatch;
  seed: Seed;
}

/** `SANDBOX_QUOTA_<NAME>`: NAME is the path's last segment in capitals (`API_COMPONENT_TOKEN`). */
export function quotaEnvName(key: string): string {
  const last = key.slice(key.lastIndexOf('/') + 1).replace('#', '_');
  return `SANDBOX_QUOTA_${last.toUpperCase()}`;
}

/** The flags that stand in for a variable (the flag wins), for the platform's `loadConfig`. */
export const SANDBOX_FLAGS = { port: 'SANDBOX_PORT', host: 'SANDBOX_HOST', seed: 'SANDBOX_SEED' };

const number = (opts: { integer?: boolean; positive?: boolean } = {}) => {
  const what = opts.positive ? `a number > 0` : `a ${opts.integer ? 'whole ' : ''}number >= 0`;
  return z
    .string()
    .refine((raw) => {
      const value = Number(raw);
      return raw.trim() !== '' && Number.isFinite(value) && (!opts.integer || Number.isInteger(value)) && (opts.positive ? value > 0 : value >= 0);
    }, `must be ${what}`)
    .transform(Number)
    .optional();
};

const onOff = z
  .string()
  .regex(/^(1|true|on|yes|0|false|off|no)$/i, 'must be on or off')
  .transform((raw) => /^(1|true|on|yes)$/i.test(raw))
  .optional();

/** Inline JSON (starts with `{`) or the path of a JSON file. */
const jsonOrFile = z.string().transform((raw, ctx) => {
  let text = raw;
  if (!raw.trim().startsWith('{')) {
    try {
      text = readFileSync(raw, 'utf8');
    } catch {
      ctx.addIssue({ code: 'custom', message: `cannot read ${raw}` });
      return z.NEVER;
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not valid JSON (inline, or a path to a JSON file)' });
    return z.NEVER;
  }
});

const quotaLimits = z.record(z.string(), z.number({ message: 'must be a whole number >= 0 or null' }).int('must be a whole number >= 0 or null').nonnegative('must be a whole number >= 0 or null').nullable(), {
  message: 'must be a JSON object of path → daily limit',
});

const NUMERIC_KNOBS = {
  SANDBOX_TOKEN_TTL_S: ['tokenTtlS', number({ positive: true })],
  SANDBOX_OVERLAP_S: ['overlapS', number()],
  SANDBOX_STABLE_SWAP_S: ['stableSwapS', number()],
  SANDBOX_FORCE_REFRESH_INTERVAL_S: ['forceRefreshIntervalS', number()],
  SANDBOX_TICKET_INTERVAL_S: ['ticketIntervalS', number()],
  SANDBOX_TICKET_TTL_S: ['ticketTtlS', number()],
  SANDBOX_TICKET_GRACE_S: ['ticketGraceS', number()],
  SANDBOX_PRE_AUTH_CODE_TTL_S: ['preAuthCodeTtlS', number()],
  SANDBOX_AUTH_CODE_TTL_S: ['authCodeTtlS', number()],
  SANDBOX_PUSH_RETRIES: ['pushRetries', number({ integer: true })],
  SANDBOX_PUSH_RETRY_DELAY_MS: ['pushRetryDelayMs', number({ integer: true })],
  SANDBOX_CALLBACK_TIMEOUT_MS: ['callbackTimeoutMs', number({ integer: true })],
  SANDBOX_PAY_NOTIFY_SCALE: ['payNotifyScale', number()],
  SANDBOX_CALL_LOG_MAX: ['callLogMax', number({ integer: true })],
} as const satisfies Record<string, [keyof KnobsPatch, z.ZodType]>;

const QUOTA_VARIABLES = Object.fromEntries(Object.keys(DEFAULT_QUOTAS).map((key) => [quotaEnvName(key), key]));

/**
 * The sandbox's variables (docs/operations.md "The WeChat sandbox on its own"); `--port`, `--host` and `--seed` override
 * their variables. Parsed by the platform's `loadConfig`, like every other app's configuration.
 */
export const sandboxConfigSchema = z
  .object({
    SANDBOX_PORT: port(9100),
    SANDBOX_HOST: z.string().default('127.0.0.1'),
    ...Object.fromEntries(Object.entries(NUMERIC_KNOBS).map(([name, [, schema]]) => [name, schema])),
    SANDBOX_CALL_LOG: onOff,
    SANDBOX_ROTATE_REFRESH_TOKENS: onOff,
    SANDBOX_QUOTAS: jsonOrFile.pipe(quotaLimits).optional(),
    ...Object.fromEntries(Object.keys(QUOTA_VARIABLES).map((name) => [name, number({ integer: true })])),
    SANDBOX_SEED: jsonOrFile.pipe(seedSchema).optional(),
  })
  .transform((env): SandboxConfig => {
    const values = env as Record<string, unknown>;
    const knobs: KnobsPatch = {};
    const mutable = knobs as Record<string, unknown>;
    for (const [name, [knob]] of Object.entries(NUMERIC_KNOBS)) if (values[name] !== undefined) mutable[knob] = values[name];
    if (env.SANDBOX_CALL_LOG !== undefined) knobs.callLog = env.SANDBOX_CALL_LOG;
    if (env.SANDBOX_ROTATE_REFRESH_TOKENS !== undefined) knobs.rotateRefreshTokens = env.SANDBOX_ROTATE_REFRESH_TOKENS;
    const quotas: Record<string, number | null> = { ...env.SANDBOX_QUOTAS };
    for (const [name, key] of Object.entries(QUOTA_VARIABLES)) if (values[name] !== undefined) quotas[key] = values[name] as number;
    if (Object.keys(quotas).length > 0) knobs.quotas = quotas;
    return { port: env.SANDBOX_PORT, host: env.SANDBOX_HOST, knobs, seed: env.SANDBOX_SEED ?? {} };
  });
