import { connect, type NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { serviceOfSubject, WxgateError } from '@wxgate/contracts';
// The lib's files, not its index: the index also loads NestJS, half a second on every CLI call.
import { natsConnectionOptions } from '../../../libs/nats/src/connection-options.js';
import { natsConfigShape, type NatsConfig } from '../../../libs/nats/src/nats.config.js';
import { NatsUnavailableError, requestJson } from '../../../libs/nats/src/request.js';
import { CliExit, ExitCode, usage } from './exit.js';

export interface ConnectionFlags {
  nats?: string;
  user?: string;
  pass?: string;
  natsToken?: string;
  creds?: string;
  timeout?: string;
}

/** SPEC §2 variables, each overridden by its flag. */
export function natsConfig(flags: ConnectionFlags, env: NodeJS.ProcessEnv): NatsConfig {
  const parsed = z.object(natsConfigShape).safeParse({
    NATS_URL: flags.nats ?? env.NATS_URL,
    NATS_USER: flags.user ?? env.NATS_USER,
    NATS_PASS: flags.pass ?? env.NATS_PASS,
    NATS_TOKEN: flags.natsToken ?? env.NATS_TOKEN,
    NATS_CREDS: flags.creds ?? env.NATS_CREDS,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = issue.path[0] === 'NATS_URL' && flags.nats ? '--nats' : String(issue.path[0]);
    throw usage(`${name} ${issue.message}`);
  }
  return parsed.data;
}

/** `nats://user:pass@host` → `nats://***@host` (also without a scheme): URLs are printed, secrets never. */
export const hideCredentials = (url: string) => url.replace(/^((?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\/)?[^@/]*@/, '$1***@');

/** One NATS connection per CLI run, opened on first use. */
export class Session {
  #nc?: Promise<NatsConnection>;
  readonly timeoutMs: number;

  constructor(
    private readonly config: NatsConfig,
    timeoutMs = 5_000,
  ) {
    this.timeoutMs = timeoutMs;
  }

  /** The NATS servers this session uses, credentials masked, for messages. */
  get servers(): string {
    return this.config.NATS_URL.map(hideCredentials).join(',');
  }

  connection(): Promise<NatsConnection> {
    this.#nc ??= this.#connect();
    return this.#nc;
  }

  async #connect(): Promise<NatsConnection> {
    const servers = this.servers;
    let options;
    try {
      options = natsConnectionOptions(this.config, 'wxgate-cli');
    } catch (err) {
      throw usage(`NATS_CREDS: cannot read ${this.config.NATS_CREDS} (${(err as Error).message.split('\n')[0]})`);
    }
    try {
      // A CLI fails fast: no waiting for a first connect, no reconnects, a short connect timeout.
      return await connect({ ...options, waitOnFirstConnect: false, maxReconnectAttempts: 0, reconnect: false, timeout: 2_000 });
    } catch (err) {
      throw new CliExit(ExitCode.UNAVAILABLE, `cannot connect to NATS at ${servers}: ${(err as Error).message}`);
    }
  }

  /** A request to a wxgate service: error replies → exit 1, nobody answering → exit 2. */
  async request<T>(subject: string, payload: unknown = {}): Promise<T> {
    const nc = await this.connection();
    try {
      return await requestJson<T>(nc, subject, payload, this.timeoutMs);
    } catch (err) {
      if (err instanceof WxgateError) {
        throw new CliExit(ExitCode.REFUSED, `error: ${err.reason}: ${err.message}`, { error: err.toBody() });
      }
      if (err instanceof NatsUnavailableError && /permissions violation/i.test(err.message)) {
        throw new CliExit(ExitCode.REFUSED, `error: PERMISSION_DENIED: this NATS user may not publish to ${subject}`, {
          error: { reason: 'PERMISSION_DENIED', message: `NATS permissions violation for publish to ${subject}` },
        });
      }
      if (err instanceof NatsUnavailableError) {
        const cause = /no responders|503/i.test(err.message) ? 'no responders' : 'no answer in time';
        throw new CliExit(ExitCode.UNAVAILABLE, `${serviceOfSubject(subject)} is not answering on ${subject} (${cause}) at NATS ${this.servers}: is it running, and is this the NATS it uses (NATS_URL, --nats)?`);
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    const nc = await this.#nc?.catch(() => undefined);
    if (nc && !nc.isClosed()) await nc.close().catch(() => undefined);
  }
}
