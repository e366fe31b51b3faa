import { Module } from '@nestjs/common';
import { ModelModule } from '../model/model.module.js';
import { AuthorizationRepository } from './authorization.repository.js';
import { AuthorizerEventsConsumer } from './authorizer-events.consumer.js';
import { RecordAuthorizerEvent } from './record-authorizer-event.usecase.js';

@Module({
  imports: [ModelModule],
  providers: [AuthorizationRepository, RecordAuthorizerEvent, AuthorizerEventsConsumer],
})
export class AuthorizerEventsModule {}
