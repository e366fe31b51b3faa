import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuthorizerEvent } from '@wxgate/contracts';
import { rowLock } from '../database/row-lock.js';
import { bumpRevision } from '../revision/policy-revision.js';
import { AuthorizationEntity } from './authorization.entity.js';

export interface RecordedAuthorization {
  /** The event was newer than what was stored, and is now stored. */
  applied: boolean;
  /** Whether the authorizer is authorized after the event (whether or not it applied). */
  authorized: boolean;
  /** Whether being authorized flipped, i.e. whether any policy decision can change. */
  flipped: boolean;
}

@Injectable()
export class AuthorizationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores `event` unless an event with the same or a later `at` is stored already. */
  record(componentAppid: string, authorizerAppid: string, event: AuthorizerEvent): Promise<RecordedAuthorization> {
    return this.dataSource.transaction(async (manager) => {
      const key = { componentAppid, authorizerAppid };
      const stored = await manager.findOne(AuthorizationEntity, { where: key, lock: rowLock(manager, 'pessimistic_write') });
      const wasAuthorized = stored?.status === 'authorized';
      if (stored && stored.at >= event.at) return { applied: false, authorized: wasAuthorized, flipped: false };
      const row = { ...key, status: event.status, funcScopes: JSON.stringify(event.funcScopes), at: event.at };
      if (stored) await manager.update(AuthorizationEntity, key, row);
      else await manager.insert(AuthorizationEntity, row);
      const authorized = event.status === 'authorized';
      const flipped = authorized !== wasAuthorized;
      // Only a flip can change a decision (see RecordedAuthorization).
      if (flipped) await bumpRevision(manager);
      return { applied: true, authorized, flipped };
    });
  }
}
