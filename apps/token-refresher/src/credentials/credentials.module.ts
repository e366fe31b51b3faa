import { Module } from '@nestjs/common';
import { AuthorizationsModule } from '../authorizations/authorizations.module.js';
import { TicketsModule } from '../tickets/tickets.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { ComponentCallbackKeys } from './component-callback-keys.js';
import { CredentialsController } from './credentials.controller.js';
import { DeleteCredential } from './delete-credential.usecase.js';
import { ListCredentials } from './list-credentials.usecase.js';
import { PutApp } from './put-app.usecase.js';
import { PutComponent } from './put-component.usecase.js';

@Module({
  imports: [AuthorizationsModule, TicketsModule, TokensModule],
  controllers: [CredentialsController],
  providers: [PutComponent, PutApp, ListCredentials, DeleteCredential, ComponentCallbackKeys],
  exports: [ComponentCallbackKeys],
})
export class CredentialsModule {}
