import { Module } from '@nestjs/common';
import { BackoffPolicy } from './backoff-policy.js';
import { ComponentTokenProvider } from './component-token-provider.js';
import { GetToken } from './get-token.usecase.js';
import { InvalidateToken } from './invalidate-token.usecase.js';
import { InvalidateIssuedToken } from './invalidate-issued-token.usecase.js';
import { IssueTokenToSdk } from './issue-token-to-sdk.usecase.js';
import { ProactiveRefresher } from './proactive-refresher.js';
import { RefreshDueToken } from './refresh-due-token.usecase.js';
import { RefreshSchedule } from './refresh-schedule.js';
import { SdkProofs } from './sdk-proofs.js';
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
    SdkProofs,
    RefreshDueToken,
    UpstreamRateLimiter,
    ProactiveRefresher,
  ],
  exports: [TokenKeeper, ComponentTokenProvider, ResolveCredential, ProactiveRefresher, GetToken, SdkProofs],
})
export class TokensModule {}
