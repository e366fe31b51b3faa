import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { natsConnectionOptions } from './connection-options.js';
import type { NatsConfig } from './nats.config.js';
import { INSTANCE_ID } from './nats.module.js';
import { PlainJsonDeserializer, PlainJsonSerializer } from './plain-json.js';

/**
 * Nest's NATS transport speaking plain JSON, request-reply handlers in `queue` (a handler can opt
 * out with `@MessagePattern(subject, { queue: undefined })`-style extras for broadcasts).
 */
export function natsMicroservice(config: NatsConfig, app: string, queue: string): MicroserviceOptions {
  return {
    transport: Transport.NATS,
    options: {
      ...natsConnectionOptions(config, `wxgate-${app}-rpc-${INSTANCE_ID}`),
      queue,
      serializer: new PlainJsonSerializer(),
      deserializer: new PlainJsonDeserializer(),
      gracefulShutdown: true,
      // After unsubscribing, in-flight handlers get this long to reply before the connection closes.
      gracePeriod: 1_500,
    },
  } as MicroserviceOptions;
}
