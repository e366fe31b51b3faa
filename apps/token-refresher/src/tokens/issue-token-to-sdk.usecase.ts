import { Injectable } from '@nestjs/common';
import type { TokenReply } from '@wxgate/contracts';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { GetToken } from './get-token.usecase.js';
import { InvalidateToken } from './invalidate-token.usecase.js';
import { checkSecret, SdkProofs } from './sdk-proofs.js';
import { notFound, throwError } from './token-errors.js';

/** What an SDK asks for on `token.issue.*`, with its proof. */
export type SdkTokenRequest =
  | { kind: 'app'; appid: string; secret: string; forceRefresh: boolean }
  | { kind: 'component'; appid: string; secret: string }
  | { kind: 'authorizer'; componentAppid: string; appid: string; componentToken: string };

/**
 * `token.issue.*`: what an unmodified WeChat SDK gets from the forwarder's token endpoints
 * (docs/sdk.md). The caller proves it holds the credential — the secret, or the component token
 * wxgate issued — and gets the token wxgate already keeps: a caller never causes a WeChat call
 * wxgate would not have made anyway, and `forceRefresh` is an ordinary, rate-limited invalidation.
 * Proofs are compared as digests in constant time; the forwarder holds no secret to compare with.
 */
@Injectable()
export class IssueTokenToSdk {
  constructor(
    private readonly credentials: CredentialRepository,
    private readonly proofs: SdkProofs,
    private readonly getToken: GetToken,
    private readonly invalidateToken: InvalidateToken,
  ) {}

  async execute(request: SdkTokenRequest): Promise<TokenReply> {
    switch (request.kind) {
      case 'app': {
        const ref = { kind: 'app', appid: request.appid } as const;
        const app = (await this.credentials.app(request.appid)) ?? throwError(notFound(ref));
        checkSecret(app.secret, request.secret);
        const current = await this.getToken.execute(ref);
        return request.forceRefresh ? this.invalidateToken.execute(ref, current.token) : current;
      }
      case 'component': {
        const ref = { kind: 'component', appid: request.appid } as const;
        const component = (await this.credentials.component(request.appid)) ?? throwError(notFound(ref));
        checkSecret(component.secret, request.secret);
        return this.getToken.execute(ref);
      }
      case 'authorizer': {
        const { componentAppid, appid } = request;
        await this.proofs.componentToken(componentAppid, request.componentToken);
        const pair = { kind: 'authorizer', componentAppid, appid } as const;
        if (!(await this.credentials.exists(pair))) throw notFound(pair);
        return this.getToken.execute(pair);
      }
    }
  }
}
