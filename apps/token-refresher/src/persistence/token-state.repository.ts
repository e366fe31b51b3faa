import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import type { CredentialKind } from '@wxgate/contracts';
import { safeEqual } from '@wxgate/wechat';
import { SecretBox } from '../secrets/secret-box.js';
import { TokenStateEntity } from './entities/token-state.entity.js';

export interface TokenState {
  kind: CredentialKind;
  appid: string;
  token?: string;
  obtainedAt?: number;
  expiresAt?: number;
  failures: number;
  lastError?: string;
  lastErrcode?: number;
  failedAt?: number;
  nextAttemptAt?: number;
  leaseHolder?: string;
  leaseUntil?: number;
  invalidatedAt?: number;
}

/** Token state without the token: what schedulers and listings need (nothing is decrypted). */
export type TokenSchedule = Omit<TokenState, 'token'> & { hasToken: boolean };

const context = (kind: CredentialKind, appid: string) => `token:${kind}:${appid}`;

/**
 * Access tokens and their refresh bookkeeping. The lease and the invalidation slot are taken with
 * conditional updates, so across replicas sharing the database exactly one caller gets each.
 */
@Injectable()
export class TokenStateRepository {
  readonly #rows: Repository<TokenStateEntity>;

  constructor(
    dataSource: DataSource,
    private readonly box: SecretBox,
  ) {
    this.#rows = dataSource.getRepository(TokenStateEntity);
  }

  async read(kind: CredentialKind, appid: string): Promise<TokenState | undefined> {
    const row = await this.#rows.findOneBy({ kind, appid });
    if (!row) return undefined;
    return { ...this.#schedule(row), token: this.box.openOptional(row.token, context(kind, appid)) };
  }

  /**
   * The credential whose stored, unexpired token this is. Tokens are sealed with a random IV, so
   * this opens each candidate: meant for the rare rejected-token path, never for serving.
   */
  async ownerOf(token: string, now: number): Promise<{ kind: CredentialKind; appid: string } | undefined> {
    const rows = await this.#rows.createQueryBuilder('t').where('t.token IS NOT NULL AND t.expires_at > :now', { now }).getMany();
    for (const row of rows) {
      const stored = this.box.openOptional(row.token, context(row.kind, row.appid));
      if (stored !== undefined && safeEqual(stored, token)) return { kind: row.kind, appid: row.appid };
    }
    return undefined;
  }

  async schedules(): Promise<TokenSchedule[]> {
    return (await this.#rows.find()).map((row) => this.#schedule(row));
  }

  async ensure(kind: CredentialKind, appid: string): Promise<void> {
    await this.#rows.createQueryBuilder().insert().values({ kind, appid, failures: 0 }).orIgnore().execute();
  }

  /** Updates the row only: a credential deleted during its refresh does not come back (false). */
  async saveToken(kind: CredentialKind, appid: string, t: { token: string; obtainedAt: number; expiresAt: number }): Promise<boolean> {
    const result = await this.#rows.update(
      { kind, appid },
      {
        token: this.box.seal(t.token, context(kind, appid)),
        obtainedAt: t.obtainedAt,
        expiresAt: t.expiresAt,
        failures: 0,
        lastError: null,
        lastErrcode: null,
        failedAt: null,
        nextAttemptAt: null,
      },
    );
    return (result.affected ?? 0) > 0;
  }

  async recordFailure(kind: CredentialKind, appid: string, f: { message: string; errcode: number; at: number; nextAttemptAt: number }): Promise<void> {
    await this.#rows
      .createQueryBuilder()
      .update()
      .set({ failures: () => 'failures + 1', lastError: f.message, lastErrcode: f.errcode, failedAt: f.at, nextAttemptAt: f.nextAttemptAt })
      .where('kind = :kind AND appid = :appid', { kind, appid })
      .execute();
  }

  /** Lets the next refresh happen at once (a new ticket or secret may have fixed the cause). */
  async clearBackoff(kind: CredentialKind, appid: string): Promise<void> {
    await this.#rows.update({ kind, appid }, { nextAttemptAt: null });
  }

  async dropToken(kind: CredentialKind, appid: string): Promise<void> {
    await this.#rows.update({ kind, appid }, { token: null, obtainedAt: null, expiresAt: null, failures: 0, lastError: null, lastErrcode: null, failedAt: null, nextAttemptAt: null });
  }

  async delete(kind: CredentialKind, appid: string): Promise<void> {
    await this.#rows.delete({ kind, appid });
  }

  /** Takes (or extends, for its holder) the refresh lease unless another holder's is still running. */
  async acquireLease(kind: CredentialKind, appid: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    const result = await this.#rows
      .createQueryBuilder()
      .update()
      .set({ leaseHolder: holder, leaseUntil: now + ttlMs })
      .where('kind = :kind AND appid = :appid AND (lease_until IS NULL OR lease_until < :now OR lease_holder = :holder)', { kind, appid, now, holder })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async releaseLease(kind: CredentialKind, appid: string, holder: string): Promise<void> {
    await this.#rows
      .createQueryBuilder()
      .update()
      .set({ leaseHolder: null, leaseUntil: null })
      .where('kind = :kind AND appid = :appid AND lease_holder = :holder', { kind, appid, holder })
      .execute();
  }

  /** Claims an invalidation slot: at most one per `minIntervalMs` per credential, across replicas. */
  async claimInvalidation(kind: CredentialKind, appid: string, now: number, minIntervalMs: number): Promise<boolean> {
    const result = await this.#rows
      .createQueryBuilder()
      .update()
      .set({ invalidatedAt: now })
      .where('kind = :kind AND appid = :appid AND (invalidated_at IS NULL OR invalidated_at <= :before)', { kind, appid, before: now - minIntervalMs })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  #schedule(row: TokenStateEntity): TokenSchedule {
    return {
      kind: row.kind,
      appid: row.appid,
      hasToken: row.token != null,
      obtainedAt: row.obtainedAt ?? undefined,
      expiresAt: row.expiresAt ?? undefined,
      failures: row.failures ?? 0,
      lastError: row.lastError ?? undefined,
      lastErrcode: row.lastErrcode ?? undefined,
      failedAt: row.failedAt ?? undefined,
      nextAttemptAt: row.nextAttemptAt ?? undefined,
      leaseHolder: row.leaseHolder ?? undefined,
      leaseUntil: row.leaseUntil ?? undefined,
      invalidatedAt: row.invalidatedAt ?? undefined,
    };
  }
}
