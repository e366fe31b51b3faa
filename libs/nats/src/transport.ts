import { ServerNats, type MicroserviceOptions, type NatsOptions } from '@nestjs/microservices';
import { natsConnectionOptions } from './connection-options.js';
import type { NatsConfig } from './nats.config.js';
import { INSTANCE_ID } from './nats.module.js';
import { PlainJsonDeserializer, PlainJsonSerializer } from './plain-json.js';

/**
 * Nest's NATS server for plain-string subjects. Nest's own `getRouteFromPattern` tries
 * `JSON.parse` on every incoming subject (for object patterns) and catches the SyntaxError: a
 * thrown exception per message, ~11 % of the token service's CPU in the benchmark profile.
 * wxgate's patterns are always subject strings, so the subject is the route.
 */
export class PlainSubjectNatsServer extends ServerNats {
  override getRouteFromPattern(pattern: string): string {
    return pattern;
  }
}

/**
 * Nest's NATS transport speaking plain JSON, request-reply handlers in `queue` (a handler can opt
 * out with `@MessagePattern(subject, { queue: … })` extras). The app's hot subjects are served in
 * the same queue group by a `HotResponder` instead (docs/architecture.md "How subjects are served").
 */
export function natsMicroservice(config: NatsConfig, app: string, queue: string): MicroserviceOptions {
  const options: NatsOptions['options'] = {
    ...natsConnectionOptions(config, `wxgate-${app}-rpc-${INSTANCE_ID}`),
    queue,
    serializer: new PlainJsonSerializer(),
    deserializer: new PlainJsonDeserializer(),
    gracefulShutdown: true,
    // After unsubscribing, in-flight handlers get this long to reply before the connection closes.
    gracePeriod: 1_500,
  };
  return { strategy: new PlainSubjectNatsServer(options) };
}
