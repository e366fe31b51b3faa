/** Reply payloads of SPEC §3. */
import type { CredentialKind, CredentialStatus, TokenParam } from './credentials.js';
import type { Reason } from './reasons.js';

export interface OkReply {
  ok: true;
}
export const OK: OkReply = { ok: true };

export interface TokenReply {
  kind: CredentialKind;
  appid: string;
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
  credential: { kind: CredentialKind; appid: string };
  tokenParam: TokenParam;
  componentAppid?: string;
}
export interface PolicyDeny {
  allowed: false;
  reason: Reason;
  errcode: number;
  message: string;
}
export type PolicyDecision = PolicyAllow | PolicyDeny;
/** `policy.check` with `api: "pay"`. */
export type PayPolicyDecision = { allowed: true; credential: { kind: 'merchant'; mchid: string } } | PolicyDeny;

export interface PingReply {
  app: string;
  instance: string;
  version: string;
  uptimeS: number;
}
