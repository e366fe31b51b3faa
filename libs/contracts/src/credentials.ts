export const CREDENTIAL_KINDS = ['component', 'authorizer', 'app'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export const CREDENTIAL_STATUSES = ['ok', 'no_token_yet', 'no_ticket', 'refresh_failing', 'unauthorized'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];

export type TokenParam = 'access_token' | 'component_access_token';
