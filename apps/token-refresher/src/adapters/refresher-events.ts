import { Injectable, Logger } from '@nestjs/common';
import { describeCredential, Subjects, type AuthorizerEvent, type CredentialRef } from '@wxgate/contracts';
import { EventPublisher } from '@wxgate/nats';

/** The events the refresher publishes to WXGATE_EVENTS (docs/nats-interface.md Events). */
@Injectable()
export class RefresherEvents {
  private readonly logger = new Logger('RefresherEvents');

  constructor(private readonly publisher: EventPublisher) {}

  /**
   * After every refresh: a broadcast, so a stream failing over never holds up the token reply. A
   * lost one only delays cache drops elsewhere (tokens stay valid past a refresh).
   */
  async tokenRefreshed(ref: CredentialRef, expiresAt: number): Promise<void> {
    try {
      await this.publisher.broadcast(Subjects.events.tokenRefreshed(ref.kind, ref.appid, ref.componentAppid), { expiresAt });
    } catch (err) {
      this.logger.warn(`could not publish token.refreshed for ${describeCredential(ref)}: ${(err as Error).name}`);
    }
  }

  /**
   * The credential has no token any more (deleted, unauthorized): `token.refreshed` with
   * `expiresAt: 0`, so every replica of the refresher and of the forwarder drops what it cached.
   * Logged, not thrown, like `tokenRefreshed`: the change is stored, and a replica that missed the
   * event re-reads the database within CACHE_RECHECK_MS.
   */
  async tokenDropped(ref: CredentialRef): Promise<void> {
    await this.tokenRefreshed(ref, 0);
  }

  /**
   * When an authorization starts, changes or ends. The message id is derived from the change, so
   * a republication after a crash or replay is deduplicated by the stream. Throws on failure: the
   * caller (a durable consumer or an admin request) must not report success without it.
   */
  async authorizerChanged(componentAppid: string, authorizerAppid: string, event: AuthorizerEvent): Promise<void> {
    const msgId = `authorizer.${componentAppid}.${authorizerAppid}.${event.status}.${event.at}`;
    await this.publisher.publish(Subjects.events.authorizer(componentAppid, authorizerAppid), event, msgId);
  }
}
