import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import type { CredentialKind, CredentialRef } from '@wxgate/contracts';
import { safeEqual } from '@wxgate/wechat';
import { SecretBox } from '../secrets/secret-box.js';
import { TokenStateEntity } from './entities/token-state.entity.js';

export interface TokenState {
  kind: CredentialKind;
  appid: string;
  /** Authorizers: the component of the pair. */
  componentAppid?: string;
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

/** The row's key: authorizers are pairs, everything else has component_appid ''. */
function keyOf(ref: CredentialRef): { kind: CredentialKind; componentAppid: string; appid: string } {
  if (ref.kind !== 'authorizer') return { kind: ref.kind, componentAppid: '', appid: ref.appid };
  if (!ref.componentAppid) throw new Error(`authorizer ${ref.appid} without its component`);
  return { kind: ref.kind, componentAppid: ref.componentAppid, appid: ref.appid };
}

/** The sealing context of a token: bound to its row, the pair for authorizers. */
export function tokenContext(ref: CredentialRef): string {
  const key = keyOf(ref);
  return key.kind === 'authorizer' ? `token:authorizer:${key.componentAppid}:${key.appid}` : `token:${key.kind}:${key.appid}`;
}

function refOf(row: TokenStateEntity): CredentialRef {
  return row.kind === 'authorizer' ? { kind: row.kind, componentAppid: row.componentAppid, appid: row.appid } : { kind: row.kind, appid: row.appid };
}

const WHERE_KEY = 'kind = :kind AND component_appid = :componentAppid AND appid = :appid';

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

  async read(ref: CredentialRef): Promise<TokenState | undefined> {
    const row = await this.#rows.findOneBy(keyOf(ref));
    if (!row) return undefined;
    return { ...this.#schedule(row), token: this.box.openOptional(row.token, tokenContext(ref)) };
  }

  /**
   * The credential whose stored, unexpired token this is. Tokens are sealed with a random IV, so
   * this opens each candidate: meant for the rare rejected-token path, never for serving.
   */
  async ownerOf(token: string, now: number): Promise<CredentialRef | undefined> {
    const rows = await this.#rows.createQueryBuilder('t').where('t.token IS NOT NULL AND t.expires_at > :now', { now }).getMany();
    for (const row of rows) {
      const ref = refOf(row);
      const stored = this.box.openOptional(row.token, tokenContext(ref));
      if (stored !== undefined && safeEqual(stored, token)) return ref;
    }
    return undefined;
  }

  async schedules(): Promise<TokenSchedule[]> {
    return (await this.#rows.find()).map((row) => this.#schedule(row));
  }

  async ensure(ref: CredentialRef): Promise<void> {
    await this.#rows.createQueryBuilder().insert().values({ ...keyOf(ref), failures: 0 }).orIgnore().execute();
  }

  /** Updates the row only: a credential deleted during its refresh does not come back (false). */
  async saveToken(ref: CredentialRef, t: { token: string; obtainedAt: number; expiresAt: number }): Promise<boolean> {
    const result = await this.#rows.update(keyOf(ref), {
        token: this.box.seal(t.token, tokenContext(ref)),
        obtainedAt: t.obtainedAt,
        expiresAt: t.expiresAt,
        failures: 0,
        lastError: null,
        lastErrcode: null,
        failedAt: null,
        nextAttemptAt: null,
      });
    return (result.affected ?? 0) > 0;
  }

  async recordFailure(ref: CredentialRef, f: { message: string; errcode: number; at: number; nextAttemptAt: number }): Promise<void> {
    await this.#rows
      .createQueryBuilder()
      .update()
      .set({ failures: () => 'failures + 1', lastError: f.message, lastErrcode: f.errcode, failedAt: f.at, nextAttemptAt: f.nextAttemptAt })
      .where(WHERE_KEY, keyOf(ref))
      .execute();
  }

  /** Lets the next refresh happen at once (a new ticket or secret may have fixed the cause). */
  async clearBackoff(ref: CredentialRef): Promise<void> {
    await this.#rows.update(keyOf(ref), { nextAttemptAt: null });
  }

  async dropToken(ref: CredentialRef): Promise<void> {
    await this.#rows.update(keyOf(ref), { token: null, obtainedAt: null, expiresAt: null, failures: 0, lastError: null, lastErrcode: null, failedAt: null, nextAttemptAt: null });
  }

  async delete(ref: CredentialRef): Promise<void> {
    await this.#rows.delete(keyOf(ref));
  }

  /** Takes (or extends, for its holder) the refresh lease unless another holder's is still running. */
  async acquireLease(ref: CredentialRef, holder: string, now: number, ttlMs: number): Promise<boolean> {
    const result = await this.#rows
      .createQueryBuilder()
      .update()
      .set({ leaseHolder: holder, leaseUntil: now + ttlMs })
      .where(`${WHERE_KEY} AND (lease_until IS NULL OR lease_until < :now OR lease_holder = :holder)`, { ...keyOf(ref), now, holder })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async releaseLease(ref: CredentialRef, holder: string): Promise<void> {
    await this.#rows
      .createQueryBuilder()
      .update()
      .set({ leaseHolder: null, leaseUntil: null })
      .where(`${WHERE_KEY} AND lease_holder = :holder`, { ...keyOf(ref), holder })
      .execute();
  }

  /** Claims an invalidation slot: at most one per `minIntervalMs` per credential, across replicas. */
  async claimInvalidation(ref: CredentialRef, now: number, minIntervalMs: number): Promise<boolean> {
    const result = await this.#rows
      .createQueryBuilder()
      .update()
      .set({ invalidatedAt: now })
      .where(`${WHERE_KEY} AND (invalidated_at IS NULL OR invalidated_at <= :before)`, { ...keyOf(ref), before: now - minIntervalMs })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  #schedule(row: TokenStateEntity): TokenSchedule {
    return {
      kind: row.kind,
      appid: row.appid,
      ...(row.kind === 'authorizer' ? { componentAppid: row.componentAppid } : {}),
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
