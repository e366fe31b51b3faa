import { applyDecorators, Catch, Controller, Logger, UseFilters, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { WxgateError, Reason, REASON_ERRCODE, type ErrorBody } from '@wxgate/contracts';
import { framesOf } from '@wxgate/platform';
import { throwError, type Observable } from 'rxjs';

/**
 * Turns anything a NATS handler throws into the contract's error body. A WxgateError keeps its
 * reason; anything else is a bug, logged here and answered as INTERNAL without its details
 * (which could hold a secret).
 */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, host: ArgumentsHost): Observable<ErrorBody> {
    const subject = host.switchToRpc().getContext<{ getSubject?: () => string }>()?.getSubject?.();
    const body = contractErrorOf(exception, subject);
    return throwError(() => body);
  }
}

const logger = new Logger('RpcErrorFilter');

/**
 * The contract's error body for anything a NATS handler threw (docs/errors.md): a WxgateError's
 * own, else INTERNAL without the error's text, logged with its stack. Shared by the Nest path
 * (RpcErrorFilter) and hot subjects (HotResponder).
 */
export function contractErrorOf(exception: unknown, subject: string | undefined): ErrorBody {
  if (exception instanceof WxgateError) return exception.toBody();
  logger.error(`unhandled error on ${subject ?? 'NATS request'}: ${exception instanceof Error ? exception.name : typeof exception}`, framesOf(exception));
  return { reason: Reason.INTERNAL, message: 'internal error', errcode: REASON_ERRCODE.INTERNAL };
}

/** A controller of NATS handlers: every error it throws becomes the contract's error reply. */
export const NatsController = () => applyDecorators(Controller(), UseFilters(new RpcErrorFilter()));
