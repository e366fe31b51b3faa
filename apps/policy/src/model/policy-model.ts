/**
 * The warm in-memory copy of the policy the check path reads. It holds exactly what the rules of
 * SPEC §3 need: each environment with its allowlist and shares, and which authorizers each
 * component currently has. It is filled from the database at start and after every change; it
 * never reads the database itself.
 */
export type OwnerKind = 'component' | 'app';

export interface EnvView {
  readonly envId: string;
  readonly ownerAppid: string;
  readonly ownerKind: OwnerKind;
  readonly paths: ReadonlySet<string>;
  readonly shares: ReadonlySet<string>;
  /** WeChat Pay merchants the environment may use. */
  readonly merchants?: ReadonlySet<string>;
}

/** What the rule function may ask. */
export interface PolicyView {
  env(envId: string): EnvView | undefined;
  isAuthorizer(componentAppid: string, authorizerAppid: string): boolean;
}

/** Bounds the per-environment revisions kept (forgetting one only costs a reload). */
const MAX_ENV_REVISIONS = 10_000;

export class PolicyModel implements PolicyView {
  private readonly envs = new Map<string, EnvView>();
  private readonly authorized = new Map<string, Set<string>>();
  /** The revision of the last full load: every environment holds at least the changes up to it. */
  private baseRevision = 0;
  /** Environments reloaded since, with the revision read before each reload. */
  private readonly envRevisions = new Map<string, number>();

  /** This copy of `envId` holds every change up to this revision (a lower bound). */
  revisionOf(envId: string): number {
    const own = this.envRevisions.get(envId);
    return own !== undefined && own > this.baseRevision ? own : this.baseRevision;
  }

  env(envId: string): EnvView | undefined {
    return this.envs.get(envId);
  }

  isAuthorizer(componentAppid: string, authorizerAppid: string): boolean {
    return this.authorized.get(componentAppid)?.has(authorizerAppid) ?? false;
  }

  /** Replaces everything at once (a full load from the database). */
  replaceAll(envs: Iterable<EnvView>, authorizers: Map<string, string[]>, revision = 0): void {
    this.baseRevision = revision;
    this.envRevisions.clear();
    this.envs.clear();
    for (const env of envs) this.envs.set(env.envId, env);
    this.authorized.clear();
    for (const [componentAppid, appids] of authorizers) this.setAuthorizers(componentAppid, appids);
  }

  /** `undefined` removes the environment; `revision` = the one read before it was loaded. */
  setEnv(envId: string, env: EnvView | undefined, revision?: number): void {
    if (env) this.envs.set(envId, env);
    else this.envs.delete(envId);
    if (revision !== undefined && revision > this.revisionOf(envId)) {
      if (this.envRevisions.size >= MAX_ENV_REVISIONS) this.envRevisions.clear();
      this.envRevisions.set(envId, revision);
    }
  }

  /** Replaces the whole set of authorizers currently authorized for `componentAppid`. */
  setAuthorizers(componentAppid: string, authorizers: Iterable<string>): void {
    const set = new Set(authorizers);
    if (set.size > 0) this.authorized.set(componentAppid, set);
    else this.authorized.delete(componentAppid);
  }

  setAuthorized(componentAppid: string, authorizerAppid: string, authorized: boolean): void {
    const current = this.authorized.get(componentAppid);
    if (authorized) {
      if (current) current.add(authorizerAppid);
      else this.authorized.set(componentAppid, new Set([authorizerAppid]));
    } else if (current?.delete(authorizerAppid) && current.size === 0) {
      this.authorized.delete(componentAppid);
    }
  }
}
