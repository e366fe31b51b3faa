import { Module } from '@nestjs/common';
import { TicketsModule } from '../tickets/tickets.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { AuthorizationsController } from './authorizations.controller.js';
import { HandleAuthorization } from './handle-authorization.js';
import { HandleUnauthorization } from './handle-unauthorization.js';
import { IssueAuthorizationToSdk } from './issue-authorization-to-sdk.js';
import { ImportAuthorizer } from './import-authorizer.js';
import { SyncAuthorizers } from './sync-authorizers.js';
import { WechatEventsConsumer } from './wechat-events.consumer.js';

@Module({
  imports: [TokensModule, TicketsModule],
  controllers: [AuthorizationsController],
  providers: [IssueAuthorizationToSdk, HandleAuthorization, HandleUnauthorization, ImportAuthorizer, SyncAuthorizers, WechatEventsConsumer],
  exports: [ImportAuthorizer, SyncAuthorizers],
})
export class AuthorizationsModule {}
