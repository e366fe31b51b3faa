import { Injectable } from '@nestjs/common';
import type { AuthorizationIssueReply } from '@wxgate/contracts';
import { GetToken } from '../tokens/get-token.usecase.js';
import { SdkProofs } from '../tokens/sdk-proofs.js';
import { AuthorizationExchange } from './authorization-exchange.js';

/**
 * `token.exchange.<componentAppid>`: an SDK's `api_query_auth` (docs/sdk.md). The caller proves
 * it holds the component's current token; the code is exchanged by AuthorizationExchange, as for the
 * `authorized` event's (at most once), and the answer carries the token wxgate now keeps.
 */
@Injectable()
export class IssueAuthorizationToSdk {
  constructor(
    private readonly proofs: SdkProofs,
    private readonly authorizations: AuthorizationExchange,
    private readonly getToken: GetToken,
  ) {}

  async execute(componentAppid: string, componentToken: string, code: string): Promise<AuthorizationIssueReply> {
    await this.proofs.componentToken(componentAppid, componentToken);
    const authorizer = await this.authorizations.exchangeCode(componentAppid, code);
    const token = await this.getToken.execute({ kind: 'authorizer', componentAppid, appid: authorizer.appid });
    return { componentAppid, authorizerAppid: authorizer.appid, token: token.token, expiresAt: token.expiresAt, funcScopes: authorizer.funcScopes };
  }
}
