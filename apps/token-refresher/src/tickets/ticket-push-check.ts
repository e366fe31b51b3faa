import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { RequestTicketPush } from './request-ticket-push.usecase.js';

const CHECK_EVERY_MS = 60_000;

/** Every minute (and at start): RequestTicketPush for every component, so stopped pushes resume. */
@Injectable()
export class TicketPushCheck implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RequestTicketPush');
  #timer?: NodeJS.Timeout;

  constructor(
    private readonly credentials: CredentialRepository,
    private readonly requestPush: RequestTicketPush,
  ) {}

  onApplicationBootstrap(): void {
    this.#timer = setInterval(() => void this.checkAll(), CHECK_EVERY_MS);
    this.#timer.unref();
    void this.checkAll();
  }

  onApplicationShutdown(): void {
    clearInterval(this.#timer);
  }

  async checkAll(): Promise<void> {
    try {
      for (const component of await this.credentials.components()) await this.requestPush.execute(component);
    } catch (err) {
      this.logger.warn(`ticket check failed: ${(err as Error).name}`);
    }
  }
}
