import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CredentialKind } from '@wxgate/contracts';
import { epochMs } from '@wxgate/persistence';

/**
 * The access token of one credential and how its refreshing goes: the token (sealed), failures
 * and backoff, the lease that makes one replica the refresher, and invalidation rate limits.
 */
@Entity('refresher_tokens')
export class TokenStateEntity {
  @PrimaryColumn({ type: 'text' })
  kind: CredentialKind;

  /** Authorizers: the component of the pair; '' for components and apps. */
  @PrimaryColumn({ type: 'text', name: 'component_appid' })
  componentAppid: string;

  @PrimaryColumn({ type: 'text' })
  appid: string;

  @Column({ type: 'text', nullable: true })
  token: string | null;

  /** When WeChat answered. */
  @Column({ type: 'bigint', name: 'obtained_at', nullable: true, transformer: epochMs })
  obtainedAt: number | null;

  /** Served until (WeChat's expiry minus the safety margin). */
  @Column({ type: 'bigint', name: 'expires_at', nullable: true, transformer: epochMs })
  expiresAt: number | null;

  @Column({ type: 'integer', default: 0 })
  failures: number;

  @Column({ type: 'text', name: 'last_error', nullable: true })
  lastError: string | null;

  @Column({ type: 'integer', name: 'last_errcode', nullable: true })
  lastErrcode: number | null;

  @Column({ type: 'bigint', name: 'failed_at', nullable: true, transformer: epochMs })
  failedAt: number | null;

  @Column({ type: 'bigint', name: 'next_attempt_at', nullable: true, transformer: epochMs })
  nextAttemptAt: number | null;

  @Column({ type: 'text', name: 'lease_holder', nullable: true })
  leaseHolder: string | null;

  @Column({ type: 'bigint', name: 'lease_until', nullable: true, transformer: epochMs })
  leaseUntil: number | null;

  @Column({ type: 'bigint', name: 'invalidated_at', nullable: true, transformer: epochMs })
  invalidatedAt: number | null;
}
