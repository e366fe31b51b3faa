import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@wxgate/platform';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { TokenStateRepository } from '../persistence/token-state.repository.js';

/**
 * A `component_verify_ticket` arrived: keep it when it is the newest by CreateTime (replays and
 * late duplicates change nothing), and let a component that failed for want of it retry at once.
 */
@Injectable()
export class HandleTicket {
  private readonly logger = new Logger('HandleTicket');

  constructor(
    private readonly credentials: CredentialRepository,
    private readonly tokens: TokenStateRepository,
    private readonly clock: Clock,
  ) {}

  async execute(componentAppid: string, ticket: string, createTimeS: number): Promise<'stored' | 'older' | 'unknown-component'> {
    if (!(await this.credentials.component(componentAppid))) {
      this.logger.warn(`ticket for unknown component ${componentAppid} ignored`);
      return 'unknown-component';
    }
    if (!(await this.credentials.storeTicketIfNewer(componentAppid, ticket, createTimeS * 1000, this.clock.now()))) return 'older';
    await this.tokens.clearBackoff({ kind: 'component', appid: componentAppid });
    return 'stored';
  }
}
