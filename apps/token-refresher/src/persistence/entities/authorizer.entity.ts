import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from '@wxgate/persistence';

export type AuthorizationStatus = 'authorized' | 'unauthorized';

/**
 * An app's authorization of a component. One app may authorize several components, each with its
 * own refresh token, token and permission sets, so the key is the pair.
 */
@Entity('refresher_authorizers')
@Index('idx_refresher_authorizers_appid', ['appid'])
export class AuthorizerEntity {
  @PrimaryColumn({ type: 'text', name: 'component_appid' })
  componentAppid: string;

  @PrimaryColumn({ type: 'text' })
  appid: string;

  /** Sealed; null once unauthorized. */
  @Column({ type: 'text', name: 'refresh_token', nullable: true })
  refreshToken: string | null;

  @Column({ type: 'text' })
  status: AuthorizationStatus;

  /** JSON array of permission-set ids. */
  @Column({ type: 'text', name: 'func_scopes' })
  funcScopes: string;

  /** sha256 of the last authorization code exchanged: a redelivered event is recognised without a WeChat call. */
  @Column({ type: 'text', name: 'code_hash', nullable: true })
  codeHash: string | null;

  /** When the authorization last changed (WeChat's CreateTime in ms, or the admin call): older events change nothing. */
  @Column({ type: 'bigint', name: 'changed_at', transformer: epochMs })
  changedAt: number;

  @Column({ type: 'bigint', name: 'updated_at', transformer: epochMs })
  updatedAt: number;
}
