import { z } from 'zod';
import { natsConfigShape } from '@wxgate/nats';
import { baseConfigShape, port } from '@wxgate/platform';
import { databaseUrl } from '@wxgate/persistence';

export const APP = 'policy';

export const PolicyConfigSchema = z.object({
  ...baseConfigShape,
  ...natsConfigShape,
  DATABASE_URL: databaseUrl(APP),
  ADMIN_PORT: port(9091),
});
export type PolicyConfig = z.infer<typeof PolicyConfigSchema>;
