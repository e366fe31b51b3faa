import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { PolicyChangedEvent, Subjects } from '@wxgate/contracts';
import { decodePayload, NATS_CONNECTION } from '@wxgate/nats';
import { PolicyModelLoader } from './policy-model-loader.js';
import { PolicyModel } from './policy-model.js';

const CHANGED_PREFIX = Subjects.events.policyChanged('');
const RETRY_MS = 1_000;

/**
 * Keeps the in-memory model equal to the database: after this replica's own writes, and after
 * other replicas' writes, which it hears as `wxgate.events.policy.changed.<envId>` on a plain
 * subscription outside the queue group (every replica must hear every change). Refreshes run one
 * at a time, so a slow read of an older state never overwrites a newer one.
 */
@Injectable()
export class PolicyModelSync implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('PolicyModelSync');
  private queue: Promise<void> = Promise.resolve();
  private readonly dirty = new Set<string>();
  private subscription?: Subscription;

  constructor(
    private readonly model: PolicyModel,
    private readonly loader: PolicyModelLoader,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  onModuleInit(): Promise<void> {
    this.subscription = this.nc.subscribe(Subjects.events.policyChangedAll, {
      callback: (err, msg) => {
        if (err) {
          this.logger.error(`policy.changed subscription failed: ${err.message}`);
          return;
        }
        const envId = msg.subject.slice(CHANGED_PREFIX.length);
        const revision = PolicyChangedEvent.safeParse(decodePayload(msg.data)).data?.revision;
        // This replica's own announcement, or a duplicate: the copy already holds that change.
        if (revision !== undefined && revision <= this.model.revisionOf(envId)) return;
        void this.refreshEnv(envId).catch((e: unknown) => this.logger.error(`reloading environment ${envId} failed: ${(e as Error).message}`));
      },
    });
    // The model was loaded before the subscription existed: a change in between would be lost.
    return this.enqueue(async () => {
      const snapshot = await this.loader.loadAll();
      this.model.replaceAll(snapshot.envs, snapshot.authorizers, snapshot.revision);
    });
  }

  beforeApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  /** Before answering a caller that heard of `minRevision`: reload the environment unless this copy has it. */
  async reachRevision(envId: string, minRevision: number): Promise<void> {
    if (this.model.revisionOf(envId) < minRevision) await this.refreshEnv(envId);
  }

  /**
   * Reloads an environment, and the authorizers of its owner when that is a component. Requests
   * that arrive while a reload runs are served together by the next one: an authorization sync
   * announces many environments at once, and each reload of a component reads all its authorizers.
   */
  refreshEnv(envId: string): Promise<void> {
    this.dirty.add(envId);
    return this.enqueue(() => this.reloadDirty());
  }

  private async reloadDirty(): Promise<void> {
    if (this.dirty.size === 0) return;
    const envIds = [...this.dirty];
    this.dirty.clear();
    try {
      // Read first: the rows read after it hold at least every change up to it.
      const revision = await this.loader.loadRevision();
      const envs = await this.loader.loadEnvs(envIds);
      const components = new Set([...envs.values()].filter((env) => env.ownerKind === 'component').map((env) => env.ownerAppid));
      const authorizers = await Promise.all([...components].map(async (c) => [c, await this.loader.loadAuthorizers(c)] as const));
      for (const [componentAppid, appids] of authorizers) this.model.setAuthorizers(componentAppid, appids);
      for (const id of envIds) this.model.setEnv(id, envs.get(id), revision);
    } catch (err) {
      // The database is unreachable for a moment: keep serving the last state and try again.
      for (const id of envIds) this.dirty.add(id);
      setTimeout(() => void this.enqueue(() => this.reloadDirty()).catch(() => undefined), RETRY_MS).unref();
      throw err;
    }
  }

  setAuthorized(componentAppid: string, authorizerAppid: string, authorized: boolean): Promise<void> {
    return this.enqueue(async () => this.model.setAuthorized(componentAppid, authorizerAppid, authorized));
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
