import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { APP_CONFIG, Readiness } from '@wxgate/platform';
import type { ConsoleConfig } from '../config.js';
import { VIA_CONSOLE, type ConsoleRequest } from './console-request.js';

/**
 * The console's own listener on CONSOLE_PORT. It hands requests to the same Nest (Express) app that
 * serves the admin port, marked as console requests; `splitPorts` keeps pages off the admin port
 * and health/metrics off the console port.
 */
@Injectable()
export class ConsoleServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ConsoleServer');
  private server?: Server;
  private listening = false;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: ConsoleConfig,
    readiness: Readiness,
  ) {
    readiness.register('console', () => this.listening);
  }

  async onApplicationBootstrap(): Promise<void> {
    const handler = this.adapterHost.httpAdapter.getInstance<(req: ConsoleRequest, res: unknown) => void>();
    const server = createServer({ headersTimeout: 20_000, requestTimeout: 30_000, keepAliveTimeout: 5_000 }, (req, res) => {
      (req as ConsoleRequest)[VIA_CONSOLE] = true;
      handler(req as ConsoleRequest, res);
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    this.server = server;
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.CONSOLE_PORT, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
    this.listening = true;
    this.logger.log(`console on http://127.0.0.1:${port}/`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.listening = false;
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2_000).unref();
    await closed;
  }
}
