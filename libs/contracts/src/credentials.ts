export const CREDENTIAL_KINDS = ['component', 'authorizer', 'app'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export const CREDENTIAL_STATUSES = ['ok', 'no_token_yet', 'no_ticket', 'refresh_failing', 'unauthorized'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];

export type TokenParam = 'access_token' | 'component_access_token';

/**
 * Which credential a token belongs to. Components and apps are named by their appid; an
 * authorizer is the pair (component, authorizer), because one app may authorize several
 * components and each authorization has its own token and permissions. `componentAppid` is
 * set for authorizers only (and may be missing where a caller left the component to be found).
 */
export interface CredentialRef {
  kind: CredentialKind;
  appid: string;
  componentAppid?: string;
}

/** One string per credential, for maps and single-flight keys: `kind.appid` or `authorizer.<component>.<appid>`. */
export function credentialKey(ref: CredentialRef): string {
  return ref.kind === 'authorizer' && ref.componentAppid ? `authorizer.${ref.componentAppid}.${ref.appid}` : `${ref.kind}.${ref.appid}`;
}

/** For log lines and error messages: `app wx…`, `authorizer wx… of component wx…`. */
export function describeCredential(ref: CredentialRef): string {
  return ref.kind === 'authorizer' && ref.componentAppid
    ? `authorizer ${ref.appid} of component ${ref.componentAppid}`
    : `${ref.kind} ${ref.appid}`;
}
