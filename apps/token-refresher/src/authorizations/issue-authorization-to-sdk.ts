import { Injectable } from '@nestjs/common';
import type { AuthorizationIssueReply } from '@wxgate/contracts';
import { GetToken } from '../tokens/get-token.js';
import { IssueTokenToSdk } from '../tokens/issue-token-to-sdk.js';
import { HandleAuthorization } from './handle-authorization.js';

/**
 * `token.exchange.<componentAppid>`: an SDK's `api_query_auth` (docs/sdk.md). The caller proves
 * it holds the component's current token; the code is exchanged by the same use case as the
 * `authorized` event's (at most once), and the answer carries the token wxgate now keeps.
 */
@Injectable()
export class IssueAuthorizationToSdk {
  constructor(
    private readonly issueToken: IssueTokenToSdk,
    private readonly authorizations: HandleAuthorization,
    private readonly getToken: GetToken,
  ) {}

  async run(componentAppid: string, componentToken: string, code: string): Promise<AuthorizationIssueReply> {
    await this.issueToken.checkComponentToken(componentAppid, componentToken);
    const authorizer = await this.authorizations.exchangeCode(componentAppid, code);
    const token = await this.getToken.run('authorizer', authorizer.appid);
    return { componentAppid, authorizerAppid: authorizer.appid, token: token.token, expiresAt: token.expiresAt, funcScopes: authorizer.funcScopes };
  }
}
