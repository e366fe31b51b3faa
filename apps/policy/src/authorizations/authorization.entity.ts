import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '@wxgate/persistence';

export type AuthorizationStatus = 'authorized' | 'unauthorized';

/** The latest authorizer event seen for (component, authorizer); `at` orders events. */
@Entity('policy_authorizations')
export class AuthorizationEntity {
  @PrimaryColumn({ name: 'component_appid', type: 'text' })
  componentAppid: string;

  @PrimaryColumn({ name: 'authorizer_appid', type: 'text' })
  authorizerAppid: string;

  @Column({ name: 'status', type: 'text' })
  status: AuthorizationStatus;

  /** JSON array of WeChat function-scope ids, kept for operators; no rule reads it. */
  @Column({ name: 'func_scopes', type: 'text' })
  funcScopes: string;

  @Column({ name: 'at', type: 'bigint', transformer: epochMs })
  at: number;
}
