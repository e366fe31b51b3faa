import { readFileSync } from 'node:fs';
import { credsAuthenticator, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { NatsConfig } from './nats.config.js';

/** Connection options from README "Configuration" variables: servers, credentials, reconnect forever. */
export function natsConnectionOptions(config: NatsConfig, name: string): NodeConnectionOptions {
  const options: NodeConnectionOptions = {
    servers: config.NATS_URL,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
    // Replies are small; keep the default ping interval but notice a dead server within ~10 s.
    pingInterval: 5_000,
    maxPingOut: 2,
  };
  if (config.NATS_CREDS) {
    options.authenticator = credsAuthenticator(readFileSync(config.NATS_CREDS));
  } else if (config.NATS_TOKEN) {
    options.token = config.NATS_TOKEN;
  } else if (config.NATS_USER) {
    options.user = config.NATS_USER;
    options.pass = config.NATS_PASS;
  }
  return options;
}
