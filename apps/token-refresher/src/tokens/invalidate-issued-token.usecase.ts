import { Injectable } from '@nestjs/common';
import { Reason, WxgateError, type TokenReply } from '@wxgate/contracts';
import { Clock, SingleFlight } from '@wxgate/platform';
import { TokenStateRepository } from '../persistence/token-state.repository.js';
import { InvalidateToken } from './invalidate-token.usecase.js';

/**
 * `token.reject`: WeChat rejected a token a caller brought, and the forwarder that relayed the
 * call does not know whose it is (another forwarder handed it to an SDK). When it is the current
 * token of a credential, that token is invalidated like `token.invalidate` would (same
 * compare-and-refresh and rate limits); a token wxgate does not hold is CREDENTIAL_NOT_FOUND.
 */
@Injectable()
export class InvalidateIssuedToken {
  readonly #flights = new SingleFlight<string, TokenReply>();

  constructor(
    private readonly tokens: TokenStateRepository,
    private readonly invalidateToken: InvalidateToken,
    private readonly clock: Clock,
  ) {}

  execute(token: string): Promise<TokenReply> {
    return this.#flights.run(token, async () => {
      const owner = await this.tokens.ownerOf(token, this.clock.now());
      if (!owner) throw new WxgateError(Reason.CREDENTIAL_NOT_FOUND, 'not a token wxgate holds');
      return this.invalidateToken.execute(owner, token);
    });
  }
}
