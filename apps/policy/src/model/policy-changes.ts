import { Injectable } from '@nestjs/common';
import { Subjects, type PolicyChangedEvent } from '@wxgate/contracts';
import { EventPublisher } from '@wxgate/nats';
import { PolicyModelLoader } from './policy-model-loader.js';
import { PolicyModelSync } from './policy-model-sync.js';

/**
 * What follows a committed change: this replica's model is brought up to date first, then
 * `wxgate.events.policy.changed.<envId>` tells the other replicas and the relays (docs/nats-interface.md).
 * The change is answered by what was committed: the broadcast is heard at once by every
 * subscriber, and its stored copy in the stream is only confirmed in the background (a stream
 * failing over must not turn a committed change into an error).
 */
@Injectable()
export class PolicyChanges {
  constructor(
    private readonly sync: PolicyModelSync,
    private readonly events: EventPublisher,
    private readonly loader: PolicyModelLoader,
  ) {}

  /** After a write to the environment's own rows (owner, allowlist, shares, deletion). */
  async envChanged(envId: string): Promise<void> {
    await this.sync.refreshEnv(envId);
    await this.announce([envId]);
  }

  /** Read after the commit, the revision announced is at least the change's own. */
  async announce(envIds: Iterable<string>): Promise<void> {
    const ids = [...envIds];
    if (ids.length === 0) return;
    const event: PolicyChangedEvent = { revision: await this.loader.loadRevision() };
    await Promise.all(ids.map((envId) => this.events.broadcast(Subjects.events.policyChanged(envId), event)));
  }
}
