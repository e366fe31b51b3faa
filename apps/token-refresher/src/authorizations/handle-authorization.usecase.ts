import { Injectable, Logger } from '@nestjs/common';
import type { WechatEvent } from '@wxgate/contracts';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { AuthorizationExchange } from './authorization-exchange.js';

/**
 * `authorized` / `updateauthorized`: an event of a known component with its authorizer and code
 * has the code exchanged (AuthorizationExchange, idempotent); anything else is logged and skipped.
 */
@Injectable()
export class HandleAuthorization {
  private readonly logger = new Logger('HandleAuthorization');

  constructor(
    private readonly credentials: CredentialRepository,
    private readonly exchange: AuthorizationExchange,
  ) {}

  async execute(event: WechatEvent): Promise<void> {
    const componentAppid = event.AppId;
    const authorizerAppid = event.AuthorizerAppid;
    const code = event.AuthorizationCode;
    if (!authorizerAppid || !code) {
      this.logger.warn(`${event.InfoType} event of ${componentAppid} without AuthorizerAppid or AuthorizationCode ignored`);
      return;
    }
    if (!(await this.credentials.component(componentAppid))) {
      this.logger.warn(`${event.InfoType} event of unknown component ${componentAppid} ignored`);
      return;
    }
    await this.exchange.fromEvent({ componentAppid, authorizerAppid, code, at: event.CreateTime * 1000, what: event.InfoType });
  }
}
