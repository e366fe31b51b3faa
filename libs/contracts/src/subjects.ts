/**
 * Every NATS subject wxgate speaks. Grep this file to see every message that crosses NATS.
 * SPEC §3: all subjects start with `wxgate.`.
 */
import { APPID_PATTERN } from './schemas.js';
import { CREDENTIAL_KINDS, credentialKey, type CredentialKind, type CredentialRef } from './credentials.js';

export const EVENTS_STREAM = 'WXGATE_EVENTS';

/** Queue group per app: request-reply handlers of replicas share the load. */
export const QUEUE_GROUPS = {
  tokenRefresher: 'wxgate.token-refresher',
  policy: 'wxgate.policy',
  forwarder: 'wxgate.forwarder',
} as const;

/** Durable JetStream consumer names (one per consuming concern). */
export const DURABLE_CONSUMERS = {
  refresherWechatEvents: 'token-refresher-wechat-events',
  policyAuthorizerEvents: 'policy-authorizer-events',
} as const;

/**
 * The subject prefixes that end in a credential: `<kind>.<appid>`, or for an authorizer
 * `authorizer.<componentAppid>.<authorizerAppid>` (the four-token `authorizer.<appid>` form of the
 * token subjects still answers while only one component holds that authorizer).
 */
export const CREDENTIAL_SUBJECT_PREFIXES = {
  tokenGet: 'wxgate.token.get.',
  tokenInvalidate: 'wxgate.token.invalidate.',
  tokenIssue: 'wxgate.token.issue.',
  tokenRefreshed: 'wxgate.events.token.refreshed.',
} as const;

/** `<kind>.<appid>` or `authorizer.<componentAppid>.<authorizerAppid>`: the tail of a credential subject. */
function credentialTail(kind: CredentialKind, appid: string, componentAppid?: string): string {
  return credentialKey({ kind, appid, componentAppid });
}

export const Subjects = {
  token: {
    /** Pass `componentAppid` for authorizers: the pair's token (the four-token form is for one-component setups). */
    get: (kind: CredentialKind, appid: string, componentAppid?: string) => `wxgate.token.get.${credentialTail(kind, appid, componentAppid)}`,
    invalidate: (kind: CredentialKind, appid: string, componentAppid?: string) =>
      `wxgate.token.invalidate.${credentialTail(kind, appid, componentAppid)}`,
    getPattern: 'wxgate.token.get.*.*',
    getPairPattern: 'wxgate.token.get.authorizer.*.*',
    invalidatePattern: 'wxgate.token.invalidate.*.*',
    invalidatePairPattern: 'wxgate.token.invalidate.authorizer.*.*',
    /**
     * Extension (SDK token endpoints, docs/sdk.md): the token for a caller that proves it holds the
     * credential — `{secret}` for `app` and `component`; never a WeChat call because of the caller.
     */
    issue: (kind: 'app' | 'component', appid: string) => `wxgate.token.issue.${kind}.${appid}`,
    /** `{componentToken}`: the pair's token, for a caller holding the component's current token. */
    issueAuthorizer: (componentAppid: string, authorizerAppid: string) => `wxgate.token.issue.authorizer.${componentAppid}.${authorizerAppid}`,
    /** `{componentToken, authorizationCode}`: the authorization a code stands for (exchanged once). */
    exchange: (componentAppid: string) => `wxgate.token.exchange.${componentAppid}`,
    exchangePattern: 'wxgate.token.exchange.*',
    /**
     * Extension: `{token}` → the new token (`token.invalidate`'s reply) when `token` is the current
     * token of some credential — a forwarder that did not hand it out asks by value.
     */
    reject: 'wxgate.token.reject',
    issueCredentialPattern: 'wxgate.token.issue.*.*',
    issueAuthorizerPattern: 'wxgate.token.issue.authorizer.*.*',
  },
  admin: {
    componentPut: 'wxgate.admin.component.put',
    appPut: 'wxgate.admin.app.put',
    authorizerPut: 'wxgate.admin.authorizer.put',
    authorizerSync: 'wxgate.admin.authorizer.sync',
    credentialsList: 'wxgate.admin.credentials.list',
    credentialsDelete: 'wxgate.admin.credentials.delete',
    envPut: 'wxgate.admin.env.put',
    /** Extension (not in SPEC): `{envId}` → the environment with its allowlist and shares. */
    envGet: 'wxgate.admin.env.get',
    /** Extension (not in SPEC): `{}` → `{envs:[{envId,ownerAppid,ownerKind}]}`. */
    envList: 'wxgate.admin.env.list',
    /** Extension (not in SPEC): `{envId}` → `{ok:true}`. */
    envDelete: 'wxgate.admin.env.delete',
    allowlistAdd: 'wxgate.admin.allowlist.add',
    allowlistRemove: 'wxgate.admin.allowlist.remove',
    allowlistList: 'wxgate.admin.allowlist.list',
    shareAdd: 'wxgate.admin.share.add',
    shareRemove: 'wxgate.admin.share.remove',
    shareList: 'wxgate.admin.share.list',
    /** `{envId,name}` → `{name,secret}`: the secret is shown once, only its hash is kept. */
    callerAdd: 'wxgate.admin.caller.add',
    /** `{envId,name}` → `{ok:true}`; a caller that is not there is not an error. */
    callerRemove: 'wxgate.admin.caller.remove',
    /** `{envId}` → `{callers:[{name,addedAt}]}`, never a secret or hash. */
    callerList: 'wxgate.admin.caller.list',
    /** WeChat Pay merchants (token-refresher) and which environments may use them (policy). */
    merchantPut: 'wxgate.admin.merchant.put',
    /** Extension (not in SPEC): `{mchid}` → `{ok:true}`, or CREDENTIAL_NOT_FOUND. */
    merchantDelete: 'wxgate.admin.merchant.delete',
    merchantBind: 'wxgate.admin.merchant.bind',
    merchantUnbind: 'wxgate.admin.merchant.unbind',
    /** Extension (not in SPEC): `{envId}` → `{mchids:[…]}`. */
    merchantBindings: 'wxgate.admin.merchant.bindings',
    /** Extension: every replica of every service answers (outside queue groups) with its identity. */
    ping: 'wxgate.admin.ping',
    /**
     * Extension: every forwarder replica answers (outside queue groups) with its cumulative call
     * counters, `RelayStatsReply`; the console samples it for its traffic chart.
     */
    relayStats: 'wxgate.admin.relay.stats',
  },
  policy: {
    check: 'wxgate.policy.check',
    /**
     * Extension (docs/callers.md): `{envId}` → `{callers:[{name,secretHash}]}` for the forwarder,
     * which verifies callers itself; an unknown environment has none. Read from the database, so
     * an answer asked after a `policy.changed` reflects the change on whichever replica answers.
     */
    callers: 'wxgate.policy.callers',
  },
  pay: {
    sign: (mchid: string) => `wxgate.pay.sign.${mchid}`,
    keys: (mchid: string) => `wxgate.pay.keys.${mchid}`,
    jsapi: (mchid: string) => `wxgate.pay.jsapi.${mchid}`,
    signPattern: 'wxgate.pay.sign.*',
    keysPattern: 'wxgate.pay.keys.*',
    jsapiPattern: 'wxgate.pay.jsapi.*',
  },
  events: {
    all: 'wxgate.events.>',
    wechat: (componentAppid: string, infoType: string) => `wxgate.events.wechat.${componentAppid}.${infoType}`,
    wechatAll: 'wxgate.events.wechat.>',
    authorizer: (componentAppid: string, authorizerAppid: string) =>
      `wxgate.events.authorizer.${componentAppid}.${authorizerAppid}`,
    authorizerAll: 'wxgate.events.authorizer.>',
    /** Authorizers are announced per pair: `…refreshed.authorizer.<componentAppid>.<authorizerAppid>`. */
    tokenRefreshed: (kind: CredentialKind, appid: string, componentAppid?: string) =>
      `wxgate.events.token.refreshed.${credentialTail(kind, appid, componentAppid)}`,
    tokenRefreshedAll: 'wxgate.events.token.refreshed.>',
    policyChanged: (envId: string) => `wxgate.events.policy.changed.${envId}`,
    policyChangedAll: 'wxgate.events.policy.changed.>',
    /** A verified, decrypted WeChat Pay notification; `eventType` like `TRANSACTION.SUCCESS` spans two tokens. */
    pay: (mchid: string, eventType: string) => `wxgate.events.pay.${mchid}.${eventType}`,
    payAll: 'wxgate.events.pay.>',
  },
} as const;

/** Which app answers an admin or policy subject, to say who is not running. */
export function serviceOfSubject(subject: string): 'policy' | 'token-refresher' | 'forwarder' {
  if (subject === Subjects.admin.relayStats) return 'forwarder';
  return /^wxgate\.admin\.(env|allowlist|share|caller|merchant\.(bind|unbind|bindings))\b|^wxgate\.policy\./.test(subject) ? 'policy' : 'token-refresher';
}

/**
 * The credential a subject names after `prefix` (one of CREDENTIAL_SUBJECT_PREFIXES), or a
 * problem saying what is wrong with it. `componentAppid` is missing for the four-token authorizer
 * form, which leaves finding the component to the token-refresher.
 */
export function credentialFromSubject(subject: string, prefix: string): CredentialRef | { problem: string } {
  const parts = subject.startsWith(prefix) ? subject.slice(prefix.length).split('.') : [];
  const [kind, first, second] = parts;
  const shape = `${prefix}<kind>.<appid> or ${prefix}authorizer.<componentAppid>.<authorizerAppid>`;
  if (!(CREDENTIAL_KINDS as readonly string[]).includes(kind ?? '')) return { problem: `kind must be one of ${CREDENTIAL_KINDS.join(', ')} (subject ${shape})` };
  if (parts.length === 3 && kind === 'authorizer') {
    if (!APPID_PATTERN.test(first!) || !APPID_PATTERN.test(second!)) return { problem: 'appids in the subject must be WeChat appids' };
    return { kind: 'authorizer', componentAppid: first!, appid: second! };
  }
  if (parts.length !== 2) return { problem: `the subject must be ${shape}` };
  if (!APPID_PATTERN.test(first!)) return { problem: 'appid in the subject must be a WeChat appid' };
  return { kind: kind as CredentialKind, appid: first! };
}

/** The merchant id, the last token of `wxgate.pay.<op>.<mchid>`. */
export function mchidFromSubject(subject: string): string {
  return subject.slice(subject.lastIndexOf('.') + 1);
}
