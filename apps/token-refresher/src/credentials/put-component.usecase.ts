import { Injectable, Logger } from '@nestjs/common';
import type { ComponentPutRequest } from '@wxgate/contracts';
import { Clock } from '@wxgate/platform';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { TokenStateRepository } from '../persistence/token-state.repository.js';
import { RequestTicketPush } from '../tickets/request-ticket-push.usecase.js';

/**
 * `component.put`: creates or updates a component. A new EncodingAESKey keeps the previous one
 * for decrypting pushes still in flight (WeChat's key rotation). A component without a fresh
 * ticket gets WeChat asked to resume pushes.
 */
@Injectable()
export class PutComponent {
  private readonly logger = new Logger('PutComponent');

  constructor(
    private readonly credentials: CredentialRepository,
    private readonly tokens: TokenStateRepository,
    private readonly ticketPush: RequestTicketPush,
    private readonly clock: Clock,
  ) {}

  async execute(input: ComponentPutRequest): Promise<void> {
    await this.credentials.putComponent(
      { appid: input.componentAppid, secret: input.componentAppsecret, verifyToken: input.token, aesKey: input.encodingAesKey },
      this.clock.now(),
    );
    await this.tokens.ensure({ kind: 'component', appid: input.componentAppid });
    await this.tokens.clearBackoff({ kind: 'component', appid: input.componentAppid });
    const component = await this.credentials.component(input.componentAppid);
    if (component) {
      void this.ticketPush.execute(component).catch((err: unknown) => this.logger.warn(`ticket check of ${input.componentAppid} failed: ${(err as Error).name}`));
    }
  }
}
