import { applyDecorators, Catch, Controller, Logger, UseFilters, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { WxgateError, Reason, REASON_ERRCODE, type ErrorBody } from '@wxgate/contracts';
import { throwError, type Observable } from 'rxjs';

/**
 * Turns anything a NATS handler throws into the contract's error body. A WxgateError keeps its
 * reason; anything else is a bug, logged here and answered as INTERNAL without its details
 * (which could hold a secret).
 */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('RpcErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): Observable<ErrorBody> {
    if (exception instanceof WxgateError) return throwError(() => exception.toBody());
    const subject = host.switchToRpc().getContext<{ getSubject?: () => string }>()?.getSubject?.();
    this.logger.error(`unhandled error on ${subject ?? 'NATS request'}: ${exception instanceof Error ? exception.name : typeof exception}`, exception instanceof Error ? exception.stack : undefined);
    return throwError(() => ({ reason: Reason.INTERNAL, message: 'internal error', errcode: REASON_ERRCODE.INTERNAL }));
  }
}

/** A controller of NATS handlers: every error it throws becomes the contract's error reply. */
export const NatsController = () => applyDecorators(Controller(), UseFilters(new RpcErrorFilter()));
