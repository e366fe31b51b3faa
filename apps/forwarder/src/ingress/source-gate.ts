import type { Server, Socket } from 'node:net';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Reason } from '@wxgate/contracts';
import { APP_CONFIG, type AddressAllowlist } from '@wxgate/platform';
import type { ForwarderConfig } from '../config.js';
import { CallerMetrics } from '../metrics/caller.metrics.js';
import { peerAddress } from '../relay/relay-headers.js';
import { answerAndClose, rawErrorResponse } from '../relay/respond.js';
import { newSeqid } from '../relay/seqid.js';

const LOG_EVERY_MS = 60_000;

/**
 * RELAY_ALLOW_CIDRS, checked when a connection is accepted, before the HTTP parser (or the TLS
 * handshake) sees a byte: the server's own `connection` listeners only run for allowed peers.
 * A refused peer costs one address lookup — on the plain port one small write of a fixed 403
 * `CALLER_NOT_ALLOWED` (nothing it sent is read as a request), on the TLS port not even that: it is
 * closed before any handshake, because no HTTP answer can be written without doing the TLS work a
 * stranger should not get for free. See docs/callers.md.
 */
@Injectable()
export class SourceGate {
  private readonly logger = new Logger('SourceGate');
  private readonly allowlist: AddressAllowlist;
  private refusedSinceLog = 0;
  private lastLog = 0;

  constructor(
    @Inject(APP_CONFIG) config: Pick<ForwarderConfig, 'RELAY_ALLOW_CIDRS'>,
    private readonly metrics: CallerMetrics,
  ) {
    this.allowlist = config.RELAY_ALLOW_CIDRS;
  }

  /**
   * Puts the check in front of every `connection` listener each server has now (Node's HTTP and
   * TLS servers register theirs when created). CONNECT tunnels handed to the TLS server pass it again,
   * with the address of the peer that opened them.
   */
  guard(servers: { http: Server; https: Server }): void {
    this.guardServer(servers.http, 'http');
    this.guardServer(servers.https, 'https');
  }

  private guardServer(server: Server, port: 'http' | 'https'): void {
    const listeners = server.listeners('connection') as ((socket: Socket) => void)[];
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => {
      if (this.allowlist.allows(socket.remoteAddress)) {
        for (const listener of listeners) listener.call(server, socket);
        return;
      }
      this.refuse(socket, port);
    });
  }

  private refuse(socket: Socket, port: 'http' | 'https'): void {
    this.metrics.refused(port);
    this.note(socket.remoteAddress);
    socket.on('error', () => socket.destroy());
    if (port === 'https') {
      socket.destroy();
      return;
    }
    answerAndClose(socket, rawErrorResponse(newSeqid(), Reason.CALLER_NOT_ALLOWED, 'connections from this address are not accepted (RELAY_ALLOW_CIDRS)'));
    // Whatever the peer already sent is discarded, so closing does not reset the answer away.
    socket.resume();
  }

  /** One line a minute at most: a scan must not flood the log. */
  private note(address: string | undefined): void {
    this.refusedSinceLog++;
    const now = Date.now();
    if (now - this.lastLog < LOG_EVERY_MS) return;
    this.logger.warn(`refused ${this.refusedSinceLog} connection(s) from outside RELAY_ALLOW_CIDRS (latest from ${peerAddress(address)}); allowed: ${this.allowlist.toString()}`);
    this.refusedSinceLog = 0;
    this.lastLog = now;
  }
}
