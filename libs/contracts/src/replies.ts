/** Reply payloads of SPEC §3. */
import type { CredentialKind, CredentialRef, CredentialStatus, TokenParam } from './credentials.js';
import type { Reason } from './reasons.js';

export interface OkReply {
  ok: true;
}
export const OK: OkReply = { ok: true };

export interface TokenReply {
  kind: CredentialKind;
  appid: string;
  /** Authorizers: the component whose authorization this token is. */
  componentAppid?: string;
  token: string;
  /** Epoch ms; the token is never served past it. */
  expiresAt: number;
}

/** `token.issue.authorization`: the authorization a code stands for, with the pair's token. */
export interface AuthorizationIssueReply {
  componentAppid: string;
  authorizerAppid: string;
  token: string;
  expiresAt: number;
  funcScopes: number[];
}

export interface CredentialListItem {
  kind: CredentialKind;
  appid: string;
  componentAppid?: string;
  tokenExpiresAt?: number;
  status: CredentialStatus;
  /** Extension: epoch ms of the newest ticket (components only). */
  ticketAt?: number;
}

export interface AuthorizerSyncReply {
  imported: number;
  /** Authorizers of the component WeChat no longer lists, now `unauthorized`. */
  unauthorized: number;
}

export interface AllowlistReply {
  paths: string[];
}
export interface ShareListReply {
  appids: string[];
}
export interface EnvSummary {
  envId: string;
  ownerAppid: string;
  ownerKind: 'component' | 'app';
}
export interface EnvDetail extends EnvSummary {
  paths: string[];
  appids: string[];
  /** Extension: WeChat Pay merchants bound to the environment. */
  mchids?: string[];
}
export interface EnvListReply {
  envs: EnvSummary[];
}

/** `caller.add`: the only time the secret is ever shown. */
export interface CallerAddReply {
  name: string;
  secret: string;
}
export interface CallerListReply {
  callers: { name: string; addedAt: number }[];
}
/** `policy.callers`: what the forwarder needs to verify callers, never a secret. */
export interface CallerHashesReply {
  callers: { name: string; secretHash: string }[];
}

export interface PolicyAllow {
  allowed: true;
  /** For an authorizer, `componentAppid` names the component whose authorization's token to inject. */
  credential: CredentialRef;
  tokenParam: TokenParam;
  componentAppid?: string;
}
export interface PolicyDeny {
  allowed: false;
  reason: Reason;
  errcode: number;
  message: string;
}
/**
 * `revision` (additive to SPEC §3): the policy revision the answering replica's copy of the
 * environment holds at least; a relay never caches an answer older than a change it heard of.
 */
export type PolicyDecision = (PolicyAllow | PolicyDeny) & { revision?: number };
/** `policy.check` with `api: "pay"`. */
export type PayPolicyDecision = ({ allowed: true; credential: { kind: 'merchant'; mchid: string } } | PolicyDeny) & { revision?: number };

export interface PingReply {
  app: string;
  instance: string;
  version: string;
  uptimeS: number;
}

/** `wxgate.admin.relay.stats`: one forwarder replica's counters since it started. */
export interface RelayStatsReply {
  app: 'forwarder';
  instance: string;
  envId: string;
  /** Epoch ms when the counters were read. */
  at: number;
  uptimeS: number;
  calls: {
    total: number;
    /** By wxgate reason; `""` = relayed and answered by WeChat (whatever its errcode). */
    byReason: Record<string, number>;
    /** By the HTTP status the caller got. */
    byStatus: Record<string, number>;
  };
}
