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
import { ImportAuthorizer } from '../authorizations/import-authorizer.usecase.js';
import { SyncAuthorizers } from '../authorizations/sync-authorizers.usecase.js';
import { DeleteCredential } from './delete-credential.usecase.js';
import { ListCredentials } from './list-credentials.usecase.js';
import { PutApp } from './put-app.usecase.js';
import { PutComponent } from './put-component.usecase.js';

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
    await this.putComponent.execute(body);
    return OK;
  }

  @MessagePattern(Subjects.admin.appPut)
  async appPut(@Payload(new ZodPayload(AppPutRequest)) body: AppPutRequest): Promise<OkReply> {
    await this.putApp.execute(body);
    return OK;
  }

  @MessagePattern(Subjects.admin.authorizerPut)
  async authorizerPut(@Payload(new ZodPayload(AuthorizerPutRequest)) body: AuthorizerPutRequest): Promise<OkReply> {
    await this.importAuthorizer.execute(body);
    return OK;
  }

  @MessagePattern(Subjects.admin.authorizerSync)
  authorizerSync(@Payload(new ZodPayload(AuthorizerSyncRequest)) body: AuthorizerSyncRequest): Promise<AuthorizerSyncReply> {
    return this.syncAuthorizers.execute(body.componentAppid);
  }

  @MessagePattern(Subjects.admin.credentialsList)
  list(@Payload(new ZodPayload(EmptyRequest)) _body: object): Promise<(CredentialListItem | MerchantListItem)[]> {
    return this.listCredentials.execute();
  }

  @MessagePattern(Subjects.admin.credentialsDelete)
  async delete(@Payload(new ZodPayload(CredentialsDeleteRequest)) body: CredentialsDeleteRequest): Promise<OkReply> {
    await this.deleteCredential.execute(body);
    return OK;
  }
}
