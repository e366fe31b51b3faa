import { Injectable } from '@nestjs/common';
import type { CredentialKind } from '@wxgate/contracts';
import { DataSource, type Repository } from 'typeorm';
import { SecretBox } from '../secrets/secret-box.js';
import { AppEntity } from './entities/app.entity.js';
import { AuthorizerEntity, type AuthorizationStatus } from './entities/authorizer.entity.js';
import { ComponentEntity } from './entities/component.entity.js';

export interface Component {
  appid: string;
  secret: string;
  verifyToken: string;
  aesKey: string;
  previousAesKey?: string;
  ticket?: string;
  /** ms */
  ticketCreatedAt?: number;
  pushRequestedAt?: number;
}

export interface App {
  appid: string;
  secret: string;
}

export interface Authorizer {
  appid: string;
  componentAppid: string;
  refreshToken?: string;
  status: AuthorizationStatus;
  funcScopes: number[];
  changedAt: number;
  /** sha256 (hex) of the authorization code this state came from, if any. */
  codeHash?: string;
}

/** Components, apps and authorizers, their secrets sealed with the master key on the way in. */
@Injectable()
export class CredentialRepository {
  readonly #components: Repository<ComponentEntity>;
  readonly #apps: Repository<AppEntity>;
  readonly #authorizers: Repository<AuthorizerEntity>;

  constructor(
    dataSource: DataSource,
    private readonly box: SecretBox,
  ) {
    this.#components = dataSource.getRepository(ComponentEntity);
    this.#apps = dataSource.getRepository(AppEntity);
    this.#authorizers = dataSource.getRepository(AuthorizerEntity);
  }

  async exists(kind: CredentialKind, appid: string): Promise<boolean> {
    switch (kind) {
      case 'component':
        return this.#components.existsBy({ appid });
      case 'app':
        return this.#apps.existsBy({ appid });
      case 'authorizer':
        return this.#authorizers.existsBy({ appid });
    }
  }

  // --- components ---

  async component(appid: string): Promise<Component | undefined> {
    const row = await this.#components.findOneBy({ appid });
    return row ? this.#openComponent(row) : undefined;
  }

  async components(): Promise<Component[]> {
    return (await this.#components.find({ order: { appid: 'ASC' } })).map((row) => this.#openComponent(row));
  }

  /** Upserts a component; a changed EncodingAESKey keeps the previous one (WeChat's key rotation). */
  async putComponent(input: { appid: string; secret: string; verifyToken: string; aesKey: string }, now: number): Promise<{ created: boolean }> {
    const existing = await this.component(input.appid);
    const c = (field: string) => `component:${input.appid}:${field}`;
    const previousAesKey = existing && existing.aesKey !== input.aesKey ? existing.aesKey : existing?.previousAesKey;
    const values = {
      secret: this.box.seal(input.secret, c('secret')),
      verifyToken: this.box.seal(input.verifyToken, c('verify_token')),
      aesKey: this.box.seal(input.aesKey, c('aes_key')),
      previousAesKey: this.box.sealOptional(previousAesKey, c('previous_aes_key')),
      updatedAt: now,
    };
    if (existing) {
      await this.#components.update({ appid: input.appid }, values);
      return { created: false };
    }
    await this.#components.insert({ appid: input.appid, ...values, ticket: null, ticketCreatedAt: null, pushRequestedAt: null });
    return { created: true };
  }

  /** Stores `ticket` unless a ticket at least as new is stored (tickets may arrive out of order). */
  async storeTicketIfNewer(appid: string, ticket: string, createdAt: number, now: number): Promise<boolean> {
    const result = await this.#components
      .createQueryBuilder()
      .update()
      .set({ ticket: this.box.seal(ticket, `component:${appid}:ticket`), ticketCreatedAt: createdAt, updatedAt: now })
      .where('appid = :appid AND (ticket_created_at IS NULL OR ticket_created_at < :createdAt)', { appid, createdAt })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** Claims the right to ask WeChat to resume ticket pushes (one replica, once per `minIntervalMs`). */
  async claimPushRequest(appid: string, now: number, minIntervalMs: number): Promise<boolean> {
    const result = await this.#components
      .createQueryBuilder()
      .update()
      .set({ pushRequestedAt: now })
      .where('appid = :appid AND (push_requested_at IS NULL OR push_requested_at <= :before)', { appid, before: now - minIntervalMs })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async deleteComponent(appid: string): Promise<boolean> {
    const result = await this.#components.delete({ appid });
    return (result.affected ?? 0) > 0;
  }

  // --- apps ---

  async app(appid: string): Promise<App | undefined> {
    const row = await this.#apps.findOneBy({ appid });
    return row ? { appid: row.appid, secret: this.box.open(row.secret, `app:${row.appid}:secret`) } : undefined;
  }

  async appIds(): Promise<string[]> {
    return (await this.#apps.find({ select: { appid: true }, order: { appid: 'ASC' } })).map((r) => r.appid);
  }

  async putApp(input: App, now: number): Promise<void> {
    await this.#apps.upsert({ appid: input.appid, secret: this.box.seal(input.secret, `app:${input.appid}:secret`), updatedAt: now }, ['appid']);
  }

  async deleteApp(appid: string): Promise<boolean> {
    const result = await this.#apps.delete({ appid });
    return (result.affected ?? 0) > 0;
  }

  // --- authorizers ---

  async authorizer(appid: string): Promise<Authorizer | undefined> {
    const row = await this.#authorizers.findOneBy({ appid });
    return row ? this.#openAuthorizer(row) : undefined;
  }

  /** The authorization stored from the code with this hash (sha256 hex), if any. */
  async authorizerByCode(componentAppid: string, codeHash: string): Promise<Authorizer | undefined> {
    const row = await this.#authorizers.findOneBy({ componentAppid, codeHash });
    return row ? this.#openAuthorizer(row) : undefined;
  }

  async authorizers(componentAppid?: string): Promise<Authorizer[]> {
    const rows = await this.#authorizers.find({ where: componentAppid ? { componentAppid } : {}, order: { appid: 'ASC' } });
    return rows.map((row) => this.#openAuthorizer(row));
  }

  /** Writes the whole authorization (insert or replace). */
  async saveAuthorizer(a: Authorizer, now: number): Promise<void> {
    await this.#authorizers.upsert({ appid: a.appid, ...this.#authorizerValues(a, now) }, ['appid']);
  }

  /**
   * Writes the authorization unless a newer one is stored (conditional update, then insert): two
   * replicas processing an authorization and its revocation at once cannot let the older win.
   */
  async saveAuthorizerUnlessNewer(a: Authorizer, now: number): Promise<boolean> {
    const values = this.#authorizerValues(a, now);
    const updated = await this.#authorizers
      .createQueryBuilder()
      .update()
      .set(values)
      .where('appid = :appid AND changed_at <= :changedAt', { appid: a.appid, changedAt: a.changedAt })
      .execute();
    if ((updated.affected ?? 0) > 0) return true;
    await this.#authorizers.createQueryBuilder().insert().values({ appid: a.appid, ...values }).orIgnore().execute();
    const stored = await this.#authorizers.findOneBy({ appid: a.appid });
    return stored?.changedAt === a.changedAt && stored.status === a.status && (stored.codeHash ?? undefined) === a.codeHash;
  }

  /** WeChat may hand out a new refresh token with any token: keep the newest. */
  async updateRefreshToken(appid: string, refreshToken: string, now: number): Promise<void> {
    await this.#authorizers.update(
      { appid, status: 'authorized' },
      { refreshToken: this.box.seal(refreshToken, `authorizer:${appid}:refresh_token`), updatedAt: now },
    );
  }

  async deleteAuthorizer(appid: string): Promise<boolean> {
    const result = await this.#authorizers.delete({ appid });
    return (result.affected ?? 0) > 0;
  }

  /** The row of an authorization, its refresh token sealed (everything but the key). */
  #authorizerValues(a: Authorizer, now: number) {
    return {
      componentAppid: a.componentAppid,
      refreshToken: this.box.sealOptional(a.refreshToken, `authorizer:${a.appid}:refresh_token`),
      status: a.status,
      funcScopes: JSON.stringify(a.funcScopes),
      changedAt: a.changedAt,
      codeHash: a.codeHash ?? null,
      updatedAt: now,
    };
  }

  #openComponent(row: ComponentEntity): Component {
    const c = (field: string) => `component:${row.appid}:${field}`;
    return {
      appid: row.appid,
      secret: this.box.open(row.secret, c('secret')),
      verifyToken: this.box.open(row.verifyToken, c('verify_token')),
      aesKey: this.box.open(row.aesKey, c('aes_key')),
      previousAesKey: this.box.openOptional(row.previousAesKey, c('previous_aes_key')),
      ticket: this.box.openOptional(row.ticket, c('ticket')),
      ticketCreatedAt: row.ticketCreatedAt ?? undefined,
      pushRequestedAt: row.pushRequestedAt ?? undefined,
    };
  }

  #openAuthorizer(row: AuthorizerEntity): Authorizer {
    let funcScopes: number[] = [];
    try {
      const parsed: unknown = JSON.parse(row.funcScopes);
      if (Array.isArray(parsed)) funcScopes = parsed.filter((n): n is number => typeof n === 'number');
    } catch {
      funcScopes = [];
    }
    return {
      appid: row.appid,
      componentAppid: row.componentAppid,
      refreshToken: this.box.openOptional(row.refreshToken, `authorizer:${row.appid}:refresh_token`),
      status: row.status,
      funcScopes,
      changedAt: row.changedAt,
      codeHash: row.codeHash ?? undefined,
    };
  }
}
