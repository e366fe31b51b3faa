import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { AllowlistPathEntity } from '../allowlist/allowlist-path.entity.js';
import { AuthorizationEntity } from '../authorizations/authorization.entity.js';
import { EnvironmentEntity } from '../environments/environment.entity.js';
import { MerchantBindingEntity } from '../merchants/merchant-binding.entity.js';
import { readRevision } from '../revision/policy-revision.js';
import { ShareEntity } from '../sharing/share.entity.js';
import type { EnvView } from './policy-model.js';

export interface PolicySnapshot {
  /** Read before the rows: the snapshot holds every change up to it. */
  revision: number;
  envs: EnvView[];
  /** componentAppid → authorizers currently authorized. */
  authorizers: Map<string, string[]>;
}

/** Reads what the in-memory model holds from the database (at start and after changes only). */
@Injectable()
export class PolicyModelLoader {
  constructor(private readonly dataSource: DataSource) {}

  async loadAll(): Promise<PolicySnapshot> {
    const revision = await this.loadRevision();
    const [envs, paths, shares, bindings, authorizations] = await Promise.all([
      this.dataSource.getRepository(EnvironmentEntity).find(),
      this.dataSource.getRepository(AllowlistPathEntity).find(),
      this.dataSource.getRepository(ShareEntity).find(),
      this.dataSource.getRepository(MerchantBindingEntity).find(),
      this.dataSource.getRepository(AuthorizationEntity).find({ where: { status: 'authorized' } }),
    ]);
    const pathsOf = groupBy(paths, (row) => row.envId, (row) => row.path);
    const sharesOf = groupBy(shares, (row) => row.envId, (row) => row.appid);
    const merchantsOf = groupBy(bindings, (row) => row.envId, (row) => row.mchid);
    return {
      revision,
      envs: envs.map((env) => toView(env, pathsOf.get(env.envId) ?? [], sharesOf.get(env.envId) ?? [], merchantsOf.get(env.envId) ?? [])),
      authorizers: groupBy(authorizations, (row) => row.componentAppid, (row) => row.authorizerAppid),
    };
  }

  /** The latest committed revision; read it before the rows it is to label. */
  loadRevision(): Promise<number> {
    return readRevision(this.dataSource);
  }

  async loadEnv(envId: string): Promise<EnvView | undefined> {
    return (await this.loadEnvs([envId])).get(envId);
  }

  /** The named environments that exist. */
  async loadEnvs(envIds: string[]): Promise<Map<string, EnvView>> {
    const where = { envId: In(envIds) };
    const [envs, paths, shares, bindings] = await Promise.all([
      this.dataSource.getRepository(EnvironmentEntity).findBy(where),
      this.dataSource.getRepository(AllowlistPathEntity).findBy(where),
      this.dataSource.getRepository(ShareEntity).findBy(where),
      this.dataSource.getRepository(MerchantBindingEntity).findBy(where),
    ]);
    const pathsOf = groupBy(paths, (row) => row.envId, (row) => row.path);
    const sharesOf = groupBy(shares, (row) => row.envId, (row) => row.appid);
    const merchantsOf = groupBy(bindings, (row) => row.envId, (row) => row.mchid);
    return new Map(
      envs.map((env) => [env.envId, toView(env, pathsOf.get(env.envId) ?? [], sharesOf.get(env.envId) ?? [], merchantsOf.get(env.envId) ?? [])]),
    );
  }

  /** Environments whose decisions depend on `componentAppid`'s authorizers. */
  async loadEnvIdsOwnedByComponent(componentAppid: string): Promise<string[]> {
    const rows = await this.dataSource.getRepository(EnvironmentEntity).findBy({ ownerAppid: componentAppid, ownerKind: 'component' });
    return rows.map((row) => row.envId);
  }

  async loadAuthorizers(componentAppid: string): Promise<string[]> {
    const rows = await this.dataSource.getRepository(AuthorizationEntity).findBy({ componentAppid, status: 'authorized' });
    return rows.map((row) => row.authorizerAppid);
  }
}

function toView(env: EnvironmentEntity, paths: string[], shares: string[], merchants: string[]): EnvView {
  return { envId: env.envId, ownerAppid: env.ownerAppid, ownerKind: env.ownerKind, paths: new Set(paths), shares: new Set(shares), merchants: new Set(merchants) };
}

function groupBy<T>(rows: T[], key: (row: T) => string, value: (row: T) => string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const row of rows) {
    const k = key(row);
    const list = groups.get(k);
    if (list) list.push(value(row));
    else groups.set(k, [value(row)]);
  }
  return groups;
}
