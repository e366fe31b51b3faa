import { Module } from '@nestjs/common';
import { BackoffPolicy } from './backoff-policy.js';
import { ComponentTokenProvider } from './component-token-provider.js';
import { GetToken } from './get-token.js';
import { InvalidateToken } from './invalidate-token.js';
import { InvalidateIssuedToken } from './invalidate-issued-token.js';
import { IssueTokenToSdk } from './issue-token-to-sdk.js';
import { ProactiveRefresher } from './proactive-refresher.js';
import { RefreshDueToken } from './refresh-due-token.js';
import { RefreshSchedule } from './refresh-schedule.js';
import { ResolveCredential } from './resolve-credential.js';
import { TokenKeeper } from './token-keeper.js';
import { TokenLease } from './token-lease.js';
import { TokenMinter } from './token-minter.js';
import { TokensController } from './tokens.controller.js';
import { UpstreamRateLimiter } from './upstream-rate-limiter.js';

@Module({
  controllers: [TokensController],
  providers: [
    TokenKeeper,
    TokenLease,
    BackoffPolicy,
    TokenMinter,
    // Kept by the keeper (component tokens are tokens like any other); injectable for the use cases that call WeChat for a component.
    { provide: ComponentTokenProvider, useFactory: (keeper: TokenKeeper) => keeper.components, inject: [TokenKeeper] },
    RefreshSchedule,
    ResolveCredential,
    GetToken,
    InvalidateToken,
    InvalidateIssuedToken,
    IssueTokenToSdk,
    RefreshDueToken,
    UpstreamRateLimiter,
    ProactiveRefresher,
  ],
  exports: [TokenKeeper, ComponentTokenProvider, ResolveCredential, ProactiveRefresher, GetToken, IssueTokenToSdk],
})
export class TokensModule {}
