import { Injectable } from '@nestjs/common';
import { Subjects } from '@wxgate/contracts';
import { EventPublisher } from '@wxgate/nats';
import { PolicyModelSync } from './policy-model.sync.js';

/**
 * What follows a committed change: this replica's model is brought up to date first, then
 * `wxgate.events.policy.changed.<envId>` tells the other replicas and the relays (SPEC §3).
 * The change is answered by what was committed: the broadcast is heard at once by every
 * subscriber, and its stored copy in the stream is only confirmed in the background (a stream
 * failing over must not turn a committed change into an error).
 */
@Injectable()
export class PolicyChanges {
  constructor(
    private readonly sync: PolicyModelSync,
    private readonly events: EventPublisher,
  ) {}

  /** After a write to the environment's own rows (owner, allowlist, shares, deletion). */
  async envChanged(envId: string): Promise<void> {
    await this.sync.refreshEnv(envId);
    await this.announce([envId]);
  }

  async announce(envIds: Iterable<string>): Promise<void> {
    await Promise.all([...envIds].map((envId) => this.events.broadcast(Subjects.events.policyChanged(envId), {})));
  }
}
