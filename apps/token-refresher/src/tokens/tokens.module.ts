import { Module } from '@nestjs/common';
import { GetToken } from './get-token.js';
import { InvalidateToken } from './invalidate-token.js';
import { InvalidateIssuedToken } from './invalidate-issued-token.js';
import { IssueTokenToSdk } from './issue-token-to-sdk.js';
import { MintToken } from './mint-token.js';
import { ProactiveRefresher } from './proactive-refresher.js';
import { RefreshDueToken } from './refresh-due-token.js';
import { TokenKeeper } from './token-keeper.js';
import { TokensController } from './tokens.controller.js';
import { UpstreamRateLimiter } from './upstream-rate-limiter.js';

@Module({
  controllers: [TokensController],
  providers: [TokenKeeper, MintToken, GetToken, InvalidateToken, InvalidateIssuedToken, IssueTokenToSdk, RefreshDueToken, UpstreamRateLimiter, ProactiveRefresher],
  exports: [TokenKeeper, ProactiveRefresher, GetToken, IssueTokenToSdk],
})
export class TokensModule {}
