/**
 * Every NATS subject wxgate speaks. Grep this file to see every message that crosses NATS.
 * SPEC §3: all subjects start with `wxgate.`.
 */
import type { CredentialKind } from './credentials.js';

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

export const Subjects = {
  token: {
    get: (kind: CredentialKind, appid: string) => `wxgate.token.get.${kind}.${appid}`,
    invalidate: (kind: CredentialKind, appid: string) => `wxgate.token.invalidate.${kind}.${appid}`,
    getPattern: 'wxgate.token.get.*.*',
    invalidatePattern: 'wxgate.token.invalidate.*.*',
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
    tokenRefreshed: (kind: CredentialKind, appid: string) => `wxgate.events.token.refreshed.${kind}.${appid}`,
    tokenRefreshedAll: 'wxgate.events.token.refreshed.>',
    policyChanged: (envId: string) => `wxgate.events.policy.changed.${envId}`,
    policyChangedAll: 'wxgate.events.policy.changed.>',
    /** A verified, decrypted WeChat Pay notification; `eventType` like `TRANSACTION.SUCCESS` spans two tokens. */
    pay: (mchid: string, eventType: string) => `wxgate.events.pay.${mchid}.${eventType}`,
    payAll: 'wxgate.events.pay.>',
  },
} as const;

/** Splits `wxgate.token.get.<kind>.<appid>` (or `.invalidate.`) into its last two tokens. */
export function credentialFromSubject(subject: string): { kind: string; appid: string } {
  const parts = subject.split('.');
  return { kind: parts[parts.length - 2] ?? '', appid: parts[parts.length - 1] ?? '' };
}

/** The merchant id, the last token of `wxgate.pay.<op>.<mchid>`. */
export function mchidFromSubject(subject: string): string {
  return subject.slice(subject.lastIndexOf('.') + 1);
}
