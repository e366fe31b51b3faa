import { z } from 'zod';

/** SPEC §2 NATS variables, shared by every app's config schema. */
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
};

export interface NatsConfig {
  NATS_URL: string[];
  NATS_USER?: string;
  NATS_PASS?: string;
  NATS_TOKEN?: string;
  NATS_CREDS?: string;
}
