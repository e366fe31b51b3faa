import { MessagePattern, Payload } from '@nestjs/microservices';
import { EmptyRequest, Subjects, type CredentialListItem } from '@wxgate/contracts';
import { NatsController, ZodPayload } from '@wxgate/nats';

@NatsController()
export class CredentialsController {
  @MessagePattern(Subjects.admin.credentialsList)
  list(@Payload(new ZodPayload(EmptyRequest)) _body: object): CredentialListItem[] {
    return [];
  }
}
