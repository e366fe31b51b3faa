/**
 * Payload schemas of every NATS request and event (SPEC §3), validated at the receiving edge.
 * Unknown fields are ignored; missing or malformed ones become a BAD_REQUEST naming the field.
 */
import { z } from 'zod';
import { CALLER_NAME_PATTERN } from './callers.js';
import { CREDENTIAL_KINDS } from './credentials.js';
import { allowlistPathProblem } from './relay-paths.js';

/**
 * WeChat appids are `wx` + 16 hex digits; real-world variants (test accounts, upper case, other
 * lengths) exist, so accept `wx` + 6–32 letters/digits/`_`/`-`. No dots or wildcards: appids are
 * NATS subject tokens.
 */
export const APPID_PATTERN = /^wx[A-Za-z0-9_-]{6,32}$/;
export const appid = z.string().regex(APPID_PATTERN, 'must be a WeChat appid (wx followed by 16 hex digits)');
/** Environment ids are short slugs (they are NATS subject tokens too). */
export const ENV_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const envId = z.string().regex(ENV_ID_PATTERN, 'must be a slug of letters, digits, - and _ (at most 64)');
const secret = z.string().min(1, 'must not be empty').max(4096, 'is too long');
export const credentialKind = z.enum(CREDENTIAL_KINDS);
/** EncodingAESKey: 43 characters of base64 (SPEC §3, WECHAT.md). */
export const encodingAesKey = z.string().regex(/^[A-Za-z0-9+/]{43}$/, 'must be the 43-character EncodingAESKey');
const allowlistPath = z.string().superRefine((path, ctx) => {
  const problem = allowlistPathProblem(path);
  if (problem) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(path)} ${problem}` });
});

export const EmptyRequest = z.object({}).loose();

// --- token-refresher ---
export const TokenInvalidateRequest = z.object({ token: z.string().min(1, 'must not be empty') });
/** SDK token endpoints (docs/sdk.md): the proof a caller offers for a credential's token. */
export const AppTokenIssueRequest = z.object({ secret: z.string().max(4096, 'is too long'), forceRefresh: z.boolean().optional() });
export const ComponentTokenIssueRequest = z.object({ secret: z.string().max(4096, 'is too long') });
export const AuthorizerTokenIssueRequest = z.object({ componentToken: z.string().max(4096, 'is too long') });
export const AuthorizationIssueRequest = z.object({
  componentToken: z.string().max(4096, 'is too long'),
  authorizationCode: z.string().min(1, 'must not be empty').max(4096, 'is too long'),
});
export const ComponentPutRequest = z.object({
  componentAppid: appid,
  componentAppsecret: secret,
  token: z.string().regex(/^[A-Za-z0-9]{1,128}$/, 'must be the message-verification token (letters and digits)'),
  encodingAesKey,
});
export const AppPutRequest = z.object({ appid, secret });
export const AuthorizerPutRequest = z.object({ componentAppid: appid, authorizerAppid: appid, refreshToken: secret });
export const AuthorizerSyncRequest = z.object({ componentAppid: appid });
/** `componentAppid` names the pair for authorizers; it may be left out while only one component holds the appid. */
export const CredentialsDeleteRequest = z.object({ kind: credentialKind, appid, componentAppid: appid.optional() });

// --- policy ---
export const EnvPutRequest = z.object({ envId, ownerAppid: appid, ownerKind: z.enum(['component', 'app']) });
export const EnvRequest = z.object({ envId });
export const AllowlistChangeRequest = z.object({ envId, paths: z.array(allowlistPath).min(1, 'must list at least one path') });
export const ShareChangeRequest = z.object({ envId, appid });
export const callerName = z.string().regex(CALLER_NAME_PATTERN, 'must be a caller name (letters, digits, ., - and _; at most 64; no :)');
export const CallerChangeRequest = z.object({ envId, name: callerName });
export const PolicyCheckRequest = z.object({
  envId: z.string().min(1, 'must not be empty'),
  path: z.string().min(1, 'must not be empty'),
  fromAppid: z.string().min(1).optional(),
  /** `pay`: a WeChat Pay call, answered with the merchant to sign with (see docs/wechat-pay.md). */
  api: z.enum(['wechat', 'pay']).optional(),
  fromMchid: z.string().min(1).optional(),
  /**
   * The caller heard `policy.changed` with this revision: a replica that has not reached it
   * reloads the environment before answering (docs/scale-out.md). Additive to SPEC §3.
   */
  minRevision: z.number().int().nonnegative().optional(),
});

// --- events ---
export const AuthorizerEvent = z.object({
  status: z.enum(['authorized', 'unauthorized']),
  funcScopes: z.array(z.number().int()).default([]),
  at: z.number().int().nonnegative(),
});
/** `policy.changed`: `revision` (additive to SPEC's `{}`) = the policy revision after the change. */
export const PolicyChangedEvent = z.object({ revision: z.number().int().nonnegative().optional() }).loose();
/**
 * `token.refreshed`: the credential's token changed; whoever caches it drops an entry with another
 * `expiresAt`. `expiresAt: 0` = the credential has no token any more (deleted, unauthorized).
 */
export const TokenRefreshedEvent = z.object({ expiresAt: z.number().int() });
/** The decrypted callback message as JSON, WeChat's field names kept (SPEC §3 Events). */
export const WechatEvent = z
  .object({
    AppId: z.string(),
    CreateTime: z.number(),
    InfoType: z.string(),
    ComponentVerifyTicket: z.string().optional(),
    AuthorizerAppid: z.string().optional(),
    AuthorizationCode: z.string().optional(),
    AuthorizationCodeExpiredTime: z.number().optional(),
    PreAuthCode: z.string().optional(),
  })
  .loose();

export type TokenInvalidateRequest = z.infer<typeof TokenInvalidateRequest>;
export type AppTokenIssueRequest = z.infer<typeof AppTokenIssueRequest>;
export type ComponentTokenIssueRequest = z.infer<typeof ComponentTokenIssueRequest>;
export type AuthorizerTokenIssueRequest = z.infer<typeof AuthorizerTokenIssueRequest>;
export type AuthorizationIssueRequest = z.infer<typeof AuthorizationIssueRequest>;
export type ComponentPutRequest = z.infer<typeof ComponentPutRequest>;
export type AppPutRequest = z.infer<typeof AppPutRequest>;
export type AuthorizerPutRequest = z.infer<typeof AuthorizerPutRequest>;
export type AuthorizerSyncRequest = z.infer<typeof AuthorizerSyncRequest>;
export type CredentialsDeleteRequest = z.infer<typeof CredentialsDeleteRequest>;
export type EnvPutRequest = z.infer<typeof EnvPutRequest>;
export type EnvRequest = z.infer<typeof EnvRequest>;
export type AllowlistChangeRequest = z.infer<typeof AllowlistChangeRequest>;
export type ShareChangeRequest = z.infer<typeof ShareChangeRequest>;
export type CallerChangeRequest = z.infer<typeof CallerChangeRequest>;
export type PolicyCheckRequest = z.infer<typeof PolicyCheckRequest>;
export type AuthorizerEvent = z.infer<typeof AuthorizerEvent>;
export type TokenRefreshedEvent = z.infer<typeof TokenRefreshedEvent>;
export type PolicyChangedEvent = z.infer<typeof PolicyChangedEvent>;
export type WechatEvent = z.infer<typeof WechatEvent>;
