import { z } from 'zod';

/** Default daily limits per token endpoint (WeChat's figures vary; these sit inside its range). */
export const DEFAULT_QUOTAS: Readonly<Record<string, number>> = {
  '/cgi-bin/token': 2000,
  '/cgi-bin/stable_token': 500_000,
  [`/cgi-bin/stable_token#force_refresh`]: 20,
  '/cgi-bin/component/api_component_token': 2000,
  '/cgi-bin/component/api_create_preauthcode': 10_000,
  '/cgi-bin/component/api_query_auth': 10_000,
  '/cgi-bin/component/api_authorizer_token': 10_000,
  '/cgi-bin/component/api_get_authorizer_info': 10_000,
  '/cgi-bin/component/api_get_authorizer_list': 10_000,
  '/cgi-bin/component/api_start_push_ticket': 10_000,
};

/** Quota key of `stable_token` calls with `force_refresh` (WeChat: 20 a day). */
export const FORCE_REFRESH_QUOTA = '/cgi-bin/stable_token#force_refresh';

const seconds = z.number().finite().nonnegative();
const millis = z.number().int().nonnegative();

export const knobsSchema = z.strictObject({
  /** Lifetime of every access token. */
  tokenTtlS: z.number().positive(),
  /** How long a superseded token keeps working after a refresh. */
  overlapS: seconds,
  /** stable_token normal mode swaps the token when less than this is left. */
  stableSwapS: seconds,
  /** Minimum spacing of stable_token force_refresh calls per app (45011 otherwise). */
  forceRefreshIntervalS: seconds,
  /** Default spacing of ticket pushes (a component may override it). */
  ticketIntervalS: z.number().positive(),
  /** How long the latest ticket is accepted by api_component_token. */
  ticketTtlS: z.number().positive(),
  /** How long a superseded ticket is still accepted (a push may cross a token call). */
  ticketGraceS: seconds,
  preAuthCodeTtlS: z.number().positive(),
  authCodeTtlS: z.number().positive(),
  /** Re-sends of a callback push that did not get exactly `success`. */
  pushRetries: z.number().int().nonnegative(),
  pushRetryDelayMs: millis,
  callbackTimeoutMs: z.number().int().positive(),
  /** Multiplies WeChat Pay's notification re-send schedule (15 s … 6 h); 0.001 turns 24 h into 86 s. */
  payNotifyScale: z.number().finite().nonnegative(),
  /** Whether api_authorizer_token hands out a new refresh token (the old one then stops working). */
  rotateRefreshTokens: z.boolean(),
  /** Record each call (method, path, masked query, errcode); counts per path are always kept. */
  callLog: z.boolean(),
  callLogMax: z.number().int().positive(),
  /** Daily limits by path; a missing path has no limit. */
  quotas: z.record(z.string(), z.number().int().nonnegative()),
});

export type Knobs = z.infer<typeof knobsSchema>;

export function defaultKnobs(): Knobs {
  return {
    tokenTtlS: 7200,
    overlapS: 300,
    stableSwapS: 300,
    forceRefreshIntervalS: 30,
    ticketIntervalS: 600,
    ticketTtlS: 12 * 3600,
    ticketGraceS: 300,
    preAuthCodeTtlS: 1800,
    authCodeTtlS: 3600,
    pushRetries: 3,
    pushRetryDelayMs: 1000,
    callbackTimeoutMs: 5000,
    payNotifyScale: 1,
    rotateRefreshTokens: false,
    callLog: true,
    callLogMax: 10_000,
    quotas: { ...DEFAULT_QUOTAS },
  };
}

/**
 * A patch of knobs; `quotas` entries are merged into the current ones (`null` removes a limit).
 */
export const knobsPatchSchema = knobsSchema
  .omit({ quotas: true })
  .partial()
  .extend({ quotas: z.record(z.string(), z.number().int().nonnegative().nullable()).optional() });

export type KnobsPatch = z.infer<typeof knobsPatchSchema>;

/** Applies `patch` in place so every holder of `knobs` sees the change at once. */
export function applyKnobs(knobs: Knobs, patch: KnobsPatch): Knobs {
  const { quotas, ...rest } = patch;
  Object.assign(knobs, Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)));
  for (const [path, limit] of Object.entries(quotas ?? {})) {
    if (limit === null) delete knobs.quotas[path];
    else knobs.quotas[path] = limit;
  }
  return knobs;
}
