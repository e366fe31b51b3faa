import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@wxgate/platform';
import { WechatGateway } from '../adapters/wechat-gateway.js';
import { CredentialRepository, type Component } from '../persistence/credential.repository.js';

/** A ticket older than this means pushes stopped (WeChat pushes every 10 minutes). */
export const TICKET_STALE_MS = 20 * 60_000;
/** `api_start_push_ticket` at most this often per component (docs/nats-interface.md). */
export const PUSH_REQUEST_INTERVAL_MS = 10 * 60_000;

/**
 * Asks WeChat to resume ticket pushes (`api_start_push_ticket`) for a component with no ticket,
 * or none newer than 20 minutes — at most once per 10 minutes per component across replicas
 * (the claim is a conditional update in the database).
 */
@Injectable()
export class RequestTicketPush {
  private readonly logger = new Logger('RequestTicketPush');

  constructor(
    private readonly credentials: CredentialRepository,
    private readonly wechat: WechatGateway,
    private readonly clock: Clock,
  ) {}

  /** Returns whether WeChat was asked. */
  async execute(component: Component): Promise<boolean> {
    const now = this.clock.now();
    if (component.ticketCreatedAt !== undefined && component.ticketCreatedAt > now - TICKET_STALE_MS) return false;
    if (!(await this.credentials.claimPushRequest(component.appid, now, PUSH_REQUEST_INTERVAL_MS))) return false;
    try {
      await this.wechat.startPushTicket(component.appid, component.secret);
      this.logger.log(`asked WeChat to resume ticket pushes for component ${component.appid}`);
    } catch (err) {
      this.logger.warn(`api_start_push_ticket for ${component.appid} failed: ${(err as Error).message}`);
    }
    return true;
  }
}
