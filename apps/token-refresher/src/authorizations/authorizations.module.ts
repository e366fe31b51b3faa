import { Module } from '@nestjs/common';
import { TicketsModule } from '../tickets/tickets.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { AuthorizationsController } from './authorizations.controller.js';
import { AuthorizationExchange } from './authorization-exchange.js';
import { HandleAuthorization } from './handle-authorization.usecase.js';
import { HandleUnauthorization } from './handle-unauthorization.usecase.js';
import { IssueAuthorizationToSdk } from './issue-authorization-to-sdk.usecase.js';
import { ImportAuthorizer } from './import-authorizer.usecase.js';
import { SyncAuthorizers } from './sync-authorizers.usecase.js';
import { WechatEventsConsumer } from './wechat-events.consumer.js';

@Module({
  imports: [TokensModule, TicketsModule],
  controllers: [AuthorizationsController],
  providers: [AuthorizationExchange, IssueAuthorizationToSdk, HandleAuthorization, HandleUnauthorization, ImportAuthorizer, SyncAuthorizers, WechatEventsConsumer],
  exports: [ImportAuthorizer, SyncAuthorizers],
})
export class AuthorizationsModule {}
