import { Injectable } from '@nestjs/common';
import { Reason, Subjects, type EnvDetail, type PolicyDecision } from '@wxgate/contracts';
import { AdminClient } from './admin-client.js';

export interface CallToCheck {
  envId: string;
  path: string;
  fromAppid?: string;
}

export interface ExplainedDecision {
  decision: PolicyDecision;
  /** Why, in the words of the policy rules (docs/console.md). */
  because: string;
  /** What the operator can do about a refusal. */
  fix?: string;
}

/** Asks `wxgate.policy.check` exactly as the forwarder does, and says which rule decided. */
@Injectable()
export class ExplainDecision {
  constructor(private readonly admin: AdminClient) {}

  async execute(call: CallToCheck): Promise<ExplainedDecision> {
    const request = { envId: call.envId, path: call.path, ...(call.fromAppid ? { fromAppid: call.fromAppid } : {}) };
    const decision = await this.admin.request<PolicyDecision>(Subjects.policy.check, request);
    const env = await this.admin.request<EnvDetail>(Subjects.admin.envGet, { envId: call.envId }).catch(() => undefined);
    return { decision, ...explain(call, decision, env) };
  }
}

/** The rule behind a decision (pure: unit-tested). */
export function explain(call: CallToCheck, decision: PolicyDecision, env?: EnvDetail): { because: string; fix?: string } {
  const F = call.fromAppid;
  if (decision.allowed) {
    const { kind, appid } = decision.credential;
    const param = `injected as ${decision.tokenParam}`;
    if (kind === 'app' && F && env && F !== env.ownerAppid) return { because: `${F} is on ${call.envId}'s share list, so its own app token is used (${param}).` };
    if (kind === 'app') return { because: `${call.envId} is owned by app ${appid}${F ? ' and from_appid names the owner' : ' and no from_appid was given'}: the owner's token is used (${param}).` };
    if (kind === 'authorizer') return { because: `${appid} is an authorizer of the owner component${env?.appids.length ? ` and on the share list` : ''}: its authorizer token is used (${param}).` };
    return {
      because:
        decision.tokenParam === 'component_access_token'
          ? `No from_appid, and the path is a component API (under /cgi-bin/component/ or /sns/component/): the component token of ${appid} is injected as component_access_token${decision.componentAppid ? `, with component_appid=${decision.componentAppid}` : ''}.`
          : `No from_appid: the component token of ${appid} is used (${param}).`,
    };
  }
  switch (decision.reason) {
    case Reason.ENV_NOT_FOUND:
      return { because: `There is no environment ${call.envId}.`, fix: 'Create it on the Environments page (or point the forwarder at another ENV_ID).' };
    case Reason.PATH_NOT_ALLOWED:
      return { because: `${call.path} is not on ${call.envId}'s allowlist (paths match exactly and case-sensitively).`, fix: `Add ${call.path} to the allowlist if callers may use it.` };
    case Reason.FROM_APPID_NOT_SHARED:
      return { because: `from_appid ${F} is neither the owner of ${call.envId} nor on its share list.`, fix: `Share ${call.envId} with ${F}, or call without from_appid.` };
    case Reason.AUTHORIZER_NOT_AUTHORIZED:
      return {
        because: env?.appids.length
          ? `${F} is not a current authorizer of the owner component, or not on ${call.envId}'s (non-empty) share list.`
          : `${F} is not a current authorizer of the owner component (it never authorized it, or the authorization ended).`,
        fix: 'Have the mini program or official account authorize the component (or import the authorization on the Credentials page), and share the environment with it if the share list is used.',
      };
    default:
      return { because: decision.message };
  }
}
