import { Injectable, Logger } from '@nestjs/common';
import type { AuthorizerEvent } from '@wxgate/contracts';
import { PolicyChanges } from '../model/policy-changes.js';
import { PolicyModelLoader } from '../model/policy-model-loader.js';
import { PolicyModelSync } from '../model/policy-model-sync.js';
import { AuthorizationRepository, type RecordedAuthorization } from './authorization.repository.js';

/**
 * Applies one `wxgate.events.authorizer.<component>.<authorizer>` event. Idempotent: the event with
 * the later `at` wins, so duplicates, replays and late deliveries of older events change nothing.
 * When being authorized flips, every environment the component owns is announced as changed.
 */
@Injectable()
export class RecordAuthorizerEvent {
  private readonly logger = new Logger('RecordAuthorizerEvent');

  constructor(
    private readonly authorizations: AuthorizationRepository,
    private readonly sync: PolicyModelSync,
    private readonly loader: PolicyModelLoader,
    private readonly changes: PolicyChanges,
  ) {}

  async execute(componentAppid: string, authorizerAppid: string, event: AuthorizerEvent): Promise<RecordedAuthorization> {
    const recorded = await this.authorizations.record(componentAppid, authorizerAppid, event);
    if (!recorded.flipped) return recorded;
    await this.sync.setAuthorized(componentAppid, authorizerAppid, recorded.authorized);
    const envIds = await this.loader.loadEnvIdsOwnedByComponent(componentAppid);
    this.logger.log(`authorizer ${authorizerAppid} of component ${componentAppid} is now ${event.status}; ${envIds.length} environment(s) changed`);
    await this.changes.announce(envIds);
    return recorded;
  }
}
