import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AppPutRequest,
  AuthorizerPutRequest,
  AuthorizerSyncRequest,
  ComponentPutRequest,
  CredentialsDeleteRequest,
  EmptyRequest,
  OK,
  Subjects,
  type AuthorizerSyncReply,
  type CredentialListItem,
  type MerchantListItem,
  type OkReply,
} from '@wxgate/contracts';
import { NatsController, ZodPayload } from '@wxgate/nats';
import { ImportAuthorizer } from '../authorizations/import-authorizer.js';
import { SyncAuthorizers } from '../authorizations/sync-authorizers.js';
import { DeleteCredential } from './delete-credential.js';
import { ListCredentials } from './list-credentials.js';
import { PutApp } from './put-app.js';
import { PutComponent } from './put-component.js';

/** Admin subjects of docs/nats-interface.md (token-refresher). Replies never hold a secret. */
@NatsController()
export class CredentialsController {
  constructor(
    private readonly putComponent: PutComponent,
    private readonly putApp: PutApp,
    private readonly importAuthorizer: ImportAuthorizer,
    private readonly syncAuthorizers: SyncAuthorizers,
    private readonly listCredentials: ListCredentials,
    private readonly deleteCredential: DeleteCredential,
  ) {}

  @MessagePattern(Subjects.admin.componentPut)
  async componentPut(@Payload(new ZodPayload(ComponentPutRequest)) body: ComponentPutRequest): Promise<OkReply> {
    await this.putComponent.run(body);
    return OK;
  }

  @MessagePattern(Subjects.admin.appPut)
  async appPut(@Payload(new ZodPayload(AppPutRequest)) body: AppPutRequest): Promise<OkReply> {
    await this.putApp.run(body);
    return OK;
  }

  @MessagePattern(Subjects.admin.authorizerPut)
  async authorizerPut(@Payload(new ZodPayload(AuthorizerPutRequest)) body: AuthorizerPutRequest): Promise<OkReply> {
    await this.importAuthorizer.run(body);
    return OK;
  }

  @MessagePattern(Subjects.admin.authorizerSync)
  authorizerSync(@Payload(new ZodPayload(AuthorizerSyncRequest)) body: AuthorizerSyncRequest): Promise<AuthorizerSyncReply> {
    return this.syncAuthorizers.run(body.componentAppid);
  }

  @MessagePattern(Subjects.admin.credentialsList)
  list(@Payload(new ZodPayload(EmptyRequest)) _body: object): Promise<(CredentialListItem | MerchantListItem)[]> {
    return this.listCredentials.run();
  }

  @MessagePattern(Subjects.admin.credentialsDelete)
  async delete(@Payload(new ZodPayload(CredentialsDeleteRequest)) body: CredentialsDeleteRequest): Promise<OkReply> {
    await this.deleteCredential.run(body);
    return OK;
  }
}
