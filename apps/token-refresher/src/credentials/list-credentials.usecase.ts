import { Injectable } from '@nestjs/common';
import { credentialKey, type CredentialKind, type CredentialListItem, type CredentialStatus, type MerchantListItem } from '@wxgate/contracts';
import { Clock } from '@wxgate/platform';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { MerchantRepository } from '../persistence/merchant.repository.js';
import { TokenStateRepository, type TokenSchedule } from '../persistence/token-state.repository.js';

/** `credentials.list`: every credential (every authorizer pair) with its token's expiry and a status; no secret. */
@Injectable()
export class ListCredentials {
  constructor(
    private readonly credentials: CredentialRepository,
    private readonly tokens: TokenStateRepository,
    private readonly clock: Clock,
    private readonly merchants: MerchantRepository,
  ) {}

  async execute(): Promise<(CredentialListItem | MerchantListItem)[]> {
    const now = this.clock.now();
    const states = new Map((await this.tokens.schedules()).map((s) => [credentialKey(s), s]));
    const item = (kind: CredentialKind, appid: string, extra: Partial<CredentialListItem> & { blocked?: CredentialStatus }): CredentialListItem => {
      const state = states.get(credentialKey({ kind, appid, componentAppid: extra.componentAppid }));
      const { blocked, ...rest } = extra;
      return {
        kind,
        appid,
        ...rest,
        ...(state?.hasToken && state.expiresAt !== undefined ? { tokenExpiresAt: state.expiresAt } : {}),
        status: blocked ?? statusOf(state, now),
      };
    };
    const items: CredentialListItem[] = [];
    for (const c of await this.credentials.components()) {
      items.push(item('component', c.appid, { ticketAt: c.ticketCreatedAt, blocked: c.ticket ? undefined : 'no_ticket' }));
    }
    for (const a of await this.credentials.authorizers()) {
      items.push(item('authorizer', a.appid, { componentAppid: a.componentAppid, blocked: a.status === 'unauthorized' ? 'unauthorized' : undefined }));
    }
    for (const appid of await this.credentials.appIds()) items.push(item('app', appid, {}));
    const merchants: MerchantListItem[] = (await this.merchants.summaries()).map((m) => ({
      kind: 'merchant',
      mchid: m.mchid,
      status: m.certificateFailures > 0 ? 'refresh_failing' : m.certificateMode && !m.hasCertificates ? 'no_certificates' : 'ok',
      mode: m.certificateMode ? 'certificate' : 'public_key',
    }));
    return [...items, ...merchants];
  }
}

function statusOf(state: TokenSchedule | undefined, now: number): CredentialStatus {
  if (state && state.failures > 0) return 'refresh_failing';
  if (state?.hasToken && state.expiresAt !== undefined && state.expiresAt > now) return 'ok';
  return 'no_token_yet';
}
