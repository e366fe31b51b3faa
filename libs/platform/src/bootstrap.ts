import 'reflect-metadata';
import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { createLogger, PinoNestLogger } from './logger.js';

export interface ServiceOptions {
  app: string;
  module: unknown;
  adminPort: number;
  logLevel: string;
  /** NATS request-reply transport (plain JSON), when the service serves subjects. */
  microservice?: MicroserviceOptions;
}

const SHUTDOWN_BUDGET_MS = 9_000;

/**
 * The admin port answers probes and scrapes, never large or slow requests: a client that
 * trickles a head or keeps a connection open for nothing is cut. (Node's http server already
 * gives every socket an error listener; a CONNECT or upgrade without a listener is destroyed.)
 */
function limitAdminServer(server: Server): void {
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;
  server.timeout = 30_000;
}

/**
 * Boots a service the same way everywhere: pino logs, Nest app with the admin port, NATS
 * microservice, and SIGTERM/SIGINT → stop taking work, finish in-flight work, drain NATS, close
 * the database, exit 0 within 10 s (README "Configuration").
 */
export async function runService(options: ServiceOptions): Promise<INestApplication> {
  const logger = createLogger(options.app, options.logLevel);
  const nestLogger = new PinoNestLogger(logger);
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason instanceof Error ? { name: reason.name, stack: reason.stack } : String(reason) }, 'unhandled rejection');
  });
  let app: INestApplication;
  try {
    app = await NestFactory.create(options.module as never, { logger: nestLogger, abortOnError: false });
    if (options.microservice) {
      app.connectMicroservice(options.microservice);
    }
    await app.startAllMicroservices();
    await app.listen(options.adminPort);
    limitAdminServer(app.getHttpServer() as Server);
  } catch (err) {
    logger.fatal({ err: err instanceof Error ? { name: err.name, message: err.message } : String(err) }, 'failed to start');
    process.stderr.write(`wxgate ${options.app}: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  logger.info({ adminPort: options.adminPort }, `${options.app} started`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${options.app} stopping`);
    setTimeout(() => {
      logger.error('shutdown budget exceeded, exiting');
      process.exit(1);
    }, SHUTDOWN_BUDGET_MS).unref();
    try {
      await app.close();
      logger.info(`${options.app} stopped`);
      logger.flush?.();
      process.exit(0);
    } catch (err) {
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'error while stopping');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return app;
}
