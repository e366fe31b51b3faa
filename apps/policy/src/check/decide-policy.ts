import { allowlistEntryMatches, Reason, REASON_ERRCODE, type PayPolicyDecision, type PolicyDecision, type PolicyDeny } from '@wxgate/contracts';
import { componentTokenParam, isComponentApiPath } from '@wxgate/wechat';
import type { PolicyView } from '../model/policy-model.js';

export interface CheckInput {
  envId: string;
  path: string;
  fromAppid?: string;
}

function deny(reason: Reason, message: string): PolicyDeny {
  return { allowed: false, reason, errcode: REASON_ERRCODE[reason], message };
}

/**
 * The rules of `wxgate.policy.check` (docs/nats-interface.md, in order): the environment must exist, the path
 * must be on its allowlist, then the identity follows the owner's kind and the caller's
 * `from_appid`. Pure: the same view and input always give the same decision.
 */
export function decidePolicy(view: PolicyView, { envId, path, fromAppid }: CheckInput): PolicyDecision {
  const env = view.env(envId);
  if (!env) return deny(Reason.ENV_NOT_FOUND, `no environment ${envId}`);
  if (!env.paths.has(path)) return deny(Reason.PATH_NOT_ALLOWED, `${path} is not on the allowlist of environment ${envId}`);

  const owner = env.ownerAppid;
  if (env.ownerKind === 'app') {
    if (fromAppid === undefined || fromAppid === owner) {
      return { allowed: true, credential: { kind: 'app', appid: owner }, tokenParam: 'access_token' };
    }
    if (env.shares.has(fromAppid)) {
      return { allowed: true, credential: { kind: 'app', appid: fromAppid }, tokenParam: 'access_token' };
    }
    return deny(Reason.FROM_APPID_NOT_SHARED, `${fromAppid} is not shared with environment ${envId}`);
  }

  if (fromAppid === undefined) {
    return isComponentApiPath(path)
      ? { allowed: true, credential: { kind: 'component', appid: owner }, tokenParam: componentTokenParam(path), componentAppid: owner }
      : { allowed: true, credential: { kind: 'component', appid: owner }, tokenParam: componentTokenParam(path) };
  }
  if (!view.isAuthorizer(owner, fromAppid)) {
    return deny(Reason.AUTHORIZER_NOT_AUTHORIZED, `${fromAppid} has not authorized component ${owner}`);
  }
  if (env.shares.size > 0 && !env.shares.has(fromAppid)) {
    return deny(Reason.AUTHORIZER_NOT_AUTHORIZED, `${fromAppid} is not on the share list of environment ${envId}`);
  }
  // The pair: the app may have authorized other components too, each with its own token.
  return { allowed: true, credential: { kind: 'authorizer', appid: fromAppid, componentAppid: owner }, tokenParam: 'access_token' };
}

export interface PayCheckInput {
  envId: string;
  path: string;
  fromMchid?: string;
}

function payPathAllowed(paths: ReadonlySet<string>, path: string): boolean {
  if (paths.has(path)) return true;
  for (const entry of paths) if (allowlistEntryMatches(entry, path)) return true;
  return false;
}

/**
 * `policy.check` with `api: "pay"`: the environment must exist and allow the path (exactly, or by
 * a `{name}` template); then the merchant is the named bound one, or the only bound one.
 */
export function decidePayPolicy(view: PolicyView, { envId, path, fromMchid }: PayCheckInput): PayPolicyDecision {
  const env = view.env(envId);
  if (!env) return deny(Reason.ENV_NOT_FOUND, `no environment ${envId}`);
  if (!payPathAllowed(env.paths, path)) return deny(Reason.PATH_NOT_ALLOWED, `${path} is not on the allowlist of environment ${envId}`);
  const bound = env.merchants ?? new Set<string>();
  if (fromMchid !== undefined) {
    return bound.has(fromMchid)
      ? { allowed: true, credential: { kind: 'merchant', mchid: fromMchid } }
      : deny(Reason.MERCHANT_NOT_BOUND, `merchant ${fromMchid} is not bound to environment ${envId}`);
  }
  if (bound.size === 1) return { allowed: true, credential: { kind: 'merchant', mchid: [...bound][0]! } };
  return deny(
    Reason.MERCHANT_NOT_BOUND,
    bound.size === 0 ? `no merchant is bound to environment ${envId}` : `several merchants are bound to environment ${envId}: name one with from_mchid`,
  );
}
