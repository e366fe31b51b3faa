import type { PipeTransform } from '@nestjs/common';
import { parsePayload } from '@wxgate/contracts';
import type { z } from 'zod';

/** `@Payload(new ZodPayload(Schema))`: validates a NATS payload at the edge (BAD_REQUEST on failure). */
export class ZodPayload<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}
  transform(value: unknown): z.infer<S> {
    return parsePayload(this.schema, value);
  }
}
