import { Module } from '@nestjs/common';
import { HandleTicket } from './handle-ticket.js';
import { RequestTicketPush } from './request-ticket-push.js';

@Module({ providers: [HandleTicket, RequestTicketPush], exports: [HandleTicket, RequestTicketPush] })
export class TicketsModule {}
