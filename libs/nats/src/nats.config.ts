import { z } from 'zod';

/** README "Configuration" NATS variables, shared by every app's config schema. */
export const natsConfigShape = {
  NATS_URL: z
    .string()
    .default('nats://127.0.0.1:4222')
    .transform((value, ctx) => {
      const servers = value.split(',').map((s) => s.trim()).filter(Boolean);
      for (const server of servers) {
        if (!/^(nats|tls|ws|wss):\/\/[^\s/]+(:\d+)?\/?$/.test(server) && !/^[^\s/:]+:\d+$/.test(server)) {
          ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of nats://host:port URLs (bad: ${server.replace(/\/\/[^@]*@/, '//***@')})` });
          return z.NEVER;
        }
      }
      if (servers.length === 0) {
        ctx.addIssue({ code: 'custom', message: 'must name at least one server' });
        return z.NEVER;
      }
      return servers;
    }),
  NATS_USER: z.string().optional(),
  NATS_PASS: z.string().optional(),
  NATS_TOKEN: z.string().optional(),
  NATS_CREDS: z.string().optional(),
  /**
   * Copies of WXGATE_EVENTS (and of its durable consumers) a NATS cluster keeps: 1 on a single
   * server, 3 on a 3-node cluster so losing the node that leads the stream loses no event.
   */
  WXGATE_STREAM_REPLICAS: z.coerce
    .number({ message: 'must be a number of stream copies from 1 to 5' })
    .int('must be a number of stream copies from 1 to 5')
    .min(1, 'must be a number of stream copies from 1 to 5')
    .max(5, 'must be a number of stream copies from 1 to 5 (JetStream keeps at most 5)')
    .default(1),
};

export interface NatsConfig {
  NATS_URL: string[];
  NATS_USER?: string;
  NATS_PASS?: string;
  NATS_TOKEN?: string;
  NATS_CREDS?: string;
  WXGATE_STREAM_REPLICAS?: number;
}
