import { Ctx, MessagePattern, Payload, type NatsContext } from '@nestjs/microservices';
import { APPID_PATTERN, AuthorizationIssueRequest, Reason, Subjects, WxgateError, type AuthorizationIssueReply } from '@wxgate/contracts';
import { NatsController, ZodPayload } from '@wxgate/nats';
import { IssueAuthorizationToSdk } from './issue-authorization-to-sdk.usecase.js';

@NatsController()
export class AuthorizationsController {
  constructor(private readonly issueAuthorization: IssueAuthorizationToSdk) {}

  @MessagePattern(Subjects.token.exchangePattern)
  exchange(@Payload(new ZodPayload(AuthorizationIssueRequest)) body: AuthorizationIssueRequest, @Ctx() ctx: NatsContext): Promise<AuthorizationIssueReply> {
    const componentAppid = ctx.getSubject().split('.').pop() ?? '';
    if (!APPID_PATTERN.test(componentAppid)) throw new WxgateError(Reason.BAD_REQUEST, 'the component appid in the subject must be a WeChat appid');
    return this.issueAuthorization.execute(componentAppid, body.componentToken, body.authorizationCode);
  }
}
