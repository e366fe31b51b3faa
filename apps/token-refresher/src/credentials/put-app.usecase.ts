import { Injectable } from '@nestjs/common';
import type { AppPutRequest } from '@wxgate/contracts';
import { Clock } from '@wxgate/platform';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { TokenStateRepository } from '../persistence/token-state.repository.js';

/** `app.put`: an app's own secret, for tokens from `stable_token`. */
@Injectable()
export class PutApp {
  constructor(
    private readonly credentials: CredentialRepository,
    private readonly tokens: TokenStateRepository,
    private readonly clock: Clock,
  ) {}

  async execute(input: AppPutRequest): Promise<void> {
    await this.credentials.putApp({ appid: input.appid, secret: input.secret }, this.clock.now());
    await this.tokens.ensure({ kind: 'app', appid: input.appid });
    await this.tokens.clearBackoff({ kind: 'app', appid: input.appid });
  }
}
