import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { APPID_PATTERN, AuthorizerEvent, DURABLE_CONSUMERS, Subjects } from '@wxgate/contracts';
import { NATS_CONNECTION, runDurableConsumer, type RunningConsumer } from '@wxgate/nats';
import { Metrics } from '@wxgate/platform';
import { Counter } from 'prom-client';
import { RecordAuthorizerEvent } from './record-authorizer-event.usecase.js';

const SUBJECT_PREFIX = Subjects.events.authorizer('', '').slice(0, -1);

/** `wxgate.events.authorizer.<componentAppid>.<authorizerAppid>` → the two appids, if well-formed. */
export function appidsFromSubject(subject: string): { componentAppid: string; authorizerAppid: string } | undefined {
  if (!subject.startsWith(SUBJECT_PREFIX)) return undefined;
  const [componentAppid, authorizerAppid, ...rest] = subject.slice(SUBJECT_PREFIX.length).split('.');
  if (rest.length > 0 || !componentAppid || !authorizerAppid) return undefined;
  if (!APPID_PATTERN.test(componentAppid) || !APPID_PATTERN.test(authorizerAppid)) return undefined;
  return { componentAppid, authorizerAppid };
}

/**
 * The durable JetStream consumer of authorizer events: what was published while the policy service
 * was down is processed when it starts, and replicas share the consumer. A malformed event is
 * logged and acknowledged (redelivering it cannot fix it); a failure to store one is retried.
 */
@Injectable()
export class AuthorizerEventsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AuthorizerEvents');
  private consumer?: RunningConsumer;
  private readonly events: Counter<'outcome'>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly recordEvent: RecordAuthorizerEvent,
    metrics: Metrics,
  ) {
    this.events = new Counter({
      name: 'wxgate_policy_authorizer_events_total',
      help: 'Authorizer events consumed, by outcome (changed, applied, stale, malformed)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await runDurableConsumer(this.nc, {
      durable: DURABLE_CONSUMERS.policyAuthorizerEvents,
      filterSubjects: [Subjects.events.authorizerAll],
      handle: (subject, body) => this.handle(subject, body),
      onError: (subject, err) => this.logger.error(`processing ${subject} failed, will retry: ${err instanceof Error ? err.message : String(err)}`),
      onRestart: (why) => this.logger.warn(`consumer re-created: ${why}`),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  private async handle(subject: string, body: unknown): Promise<void> {
    const appids = appidsFromSubject(subject);
    const event = AuthorizerEvent.safeParse(body);
    if (!appids || !event.success) {
      this.events.inc({ outcome: 'malformed' });
      this.logger.warn(`ignoring malformed authorizer event on ${subject}`);
      return;
    }
    const recorded = await this.recordEvent.execute(appids.componentAppid, appids.authorizerAppid, event.data);
    this.events.inc({ outcome: recorded.flipped ? 'changed' : recorded.applied ? 'applied' : 'stale' });
  }
}
