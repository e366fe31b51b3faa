import { Module } from '@nestjs/common';
import { HandleTicket } from './handle-ticket.usecase.js';
import { RequestTicketPush } from './request-ticket-push.usecase.js';
import { TicketPushCheck } from './ticket-push-check.js';

@Module({ providers: [HandleTicket, RequestTicketPush, TicketPushCheck], exports: [HandleTicket, RequestTicketPush] })
export class TicketsModule {}
