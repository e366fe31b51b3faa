import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Reason } from '@wxgate/contracts';
import { APP_CONFIG, Readiness } from '@wxgate/platform';
import { AccessLog } from '../access-log/access-log.js';
import { loadOrCreateCertificate } from '../certificates/certificate.store.js';
import type { ForwarderConfig } from '../config.js';
import { RelayMetrics } from '../metrics/relay.metrics.js';
import { CallerGate } from '../relay/caller-gate.js';
import { Relay } from '../relay/relay.js';
import { answerAndClose, openTunnel, rawErrorResponse } from '../relay/respond.js';
import { newSeqid } from '../relay/seqid.js';
import { isRelayHost, splitHostPort } from '../wechat-hosts.js';
import { parseFailure } from './parse-failure.js';
import { SourceGate } from './source-gate.js';

/** SIGTERM budget is 10 s overall; in-flight calls get most of it. */
const DRAIN_MS = 7_000;
/** A call waiting on WeChat sends nothing to its caller: the idle cut must wait longer than that. */
const UPSTREAM_MARGIN_MS = 5_000;

/** The response Node is writing on a socket (undocumented but stable since Node 0.x). */
type HttpSocket = Socket & { _httpMessage?: ServerResponse | null };

/**
 * The relay's listeners, outside Nest (which serves the admin port): plain HTTP on PORT (base URL,
 * HTTP proxy absolute-form, CONNECT) and HTTPS on TLS_PORT (by name). A CONNECT to a WeChat API
 * host on 443 is answered 200 and the tunnel handed to the HTTPS server, which terminates it with
 * wxgate's certificate; on 80 the tunnel carries plain HTTP and goes to the HTTP server; any other
 * CONNECT is refused without a tunnel. Every socket has an error listener and a timeout
 * (docs/hardening.md lists them).
 */
@Injectable()
export class RelayServers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('RelayServers');
  private http?: HttpServer;
  private https?: HttpsServer;
  private listening = false;
  /**
   * Sockets the HTTP servers do not track for closeAllConnections: CONNECT tunnels and TLS
   * connections still in their handshake. Cut at the end of a stop.
   */
  private readonly untracked = new Set<Socket>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: ForwarderConfig,
    private readonly relay: Relay,
    private readonly metrics: RelayMetrics,
    private readonly accessLog: AccessLog,
    private readonly sourceGate: SourceGate,
    private readonly callers: CallerGate,
    readiness: Readiness,
  ) {
    readiness.register('relay', () => this.listening);
  }

  async onApplicationBootstrap(): Promise<void> {
    const certificate = await loadOrCreateCertificate(this.config.CERT_DIR);
    const c = this.config;
    const options: ServerOptions = {
      keepAliveTimeout: c.RELAY_KEEP_ALIVE_TIMEOUT_MS,
      headersTimeout: c.RELAY_HEADERS_TIMEOUT_MS,
      // Bodies may be 32 MiB uploads on slow links: only idleness is cut, not a total duration.
      requestTimeout: 0,
      connectionsCheckingInterval: Math.min(1_000, c.RELAY_HEADERS_TIMEOUT_MS),
      maxHeaderSize: c.RELAY_MAX_HEADER_BYTES,
      // Answered by the relay in wxgate's shape instead of Node's bare 400.
      requireHostHeader: false,
    };
    const http = createHttpServer(options, (req, res) => this.relay.handle(req, res, 'http'));
    const https = createHttpsServer({ ...options, handshakeTimeout: c.RELAY_TLS_HANDSHAKE_TIMEOUT_MS, key: certificate.key, cert: certificate.cert }, (req, res) =>
      this.relay.handle(req, res, 'https'),
    );
    this.http = http;
    this.https = https;
    this.sourceGate.guard({ http, https });
    http.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => this.connect(req, socket, head));
    https.on('connection', (socket: Socket) => this.track(socket));
    for (const [server, via] of [
      [http, 'http'],
      [https, 'https'],
    ] as const) {
      server.timeout = Math.max(c.RELAY_IDLE_TIMEOUT_MS, c.UPSTREAM_TIMEOUT_MS + UPSTREAM_MARGIN_MS);
      // One more than the cap, so the relay can tell "too many" from "exactly the cap".
      server.maxHeadersCount = c.RELAY_MAX_HEADERS + 1;
      // Any Expect but 100-continue: refused by the relay in wxgate's shape, not Node's bare 417.
      server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => this.relay.handle(req, res, via));
      server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => this.clientError(err, socket));
    }
    const [port, tlsPort] = await Promise.all([listen(http, this.config.PORT), listen(https, this.config.TLS_PORT)]);
    this.listening = true;
    this.logger.log(`relaying for env ${this.config.ENV_ID} on http :${port} and https :${tlsPort} to ${this.config.WECHAT_API_BASE}`);
  }

  /** Stop accepting, let in-flight calls finish (within the shutdown budget), then close. */
  async beforeApplicationShutdown(): Promise<void> {
    this.listening = false;
    const servers = [this.http, this.https].filter((s): s is HttpServer | HttpsServer => s !== undefined);
    const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    for (const server of servers) server.closeIdleConnections();
    const drained = await this.relay.drain(DRAIN_MS);
    if (!drained) this.logger.warn('in-flight calls still running at the end of the shutdown budget; closing them');
    for (const server of servers) server.closeAllConnections();
    for (const socket of this.untracked) socket.destroy();
    await closed;
  }

  private connect(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const authority = req.url ?? '';
    // Node hands a CONNECT socket over without any listener: a caller that resets it (curl does,
    // right after a refusal) would otherwise be an uncaught 'error' that stops the process.
    socket.on('error', () => socket.destroy());
    this.track(socket);
    const seqid = newSeqid();
    const { host, port } = splitHostPort(authority);
    // 443: wxgate's own TLS inside; 80: plain HTTP inside (what proxy agents send for http:// targets).
    const inside = port === '443' ? this.https : port === '80' ? this.http : undefined;
    if (!isRelayHost(host) || !inside) {
      this.refused(seqid, 'CONNECT', authority.slice(0, 255), 403, Reason.HOST_NOT_ALLOWED);
      answerAndClose(socket, rawErrorResponse(seqid, Reason.HOST_NOT_ALLOWED, `CONNECT is only tunnelled to WeChat API hosts on port 443 or 80, not ${JSON.stringify(authority.slice(0, 255))}`));
      return;
    }
    this.callers.admitTunnel(req, socket, seqid, {
      open: () => {
        openTunnel(socket, seqid);
        if (head.length > 0) socket.unshift(head);
        // The HTTP server keeps its sockets half-open on purpose; a TLS socket made from one inherits
        // that, and a caller that gives up mid-handshake (an untrusted CA) would stay in CLOSE-WAIT.
        if (inside === this.https) socket.allowHalfOpen = false;
        inside.emit('connection', socket);
      },
      refused: (status, reason) => this.refused(seqid, 'CONNECT', authority.slice(0, 255), status, reason),
    });
  }

  private track(socket: Socket): void {
    if (this.untracked.has(socket)) return;
    this.untracked.add(socket);
    socket.once('close', () => this.untracked.delete(socket));
  }

  private refused(seqid: string, method: string, path: string, status: number, reason: Reason): void {
    this.metrics.call(status, reason);
    this.accessLog.write({ seqid, via: 'http', method, path, status, reason }, 0);
  }

  /**
   * Requests Node cannot even parse (control bytes in the target, an unknown method, a head too
   * large or too slow) still get wxgate's answer. Anything else that lands here — a reset, a
   * failed or abandoned TLS handshake (the HTTPS server reports those as client errors too) —
   * only closes the socket: writing HTTP into a TLS handshake would leave it half-open for good.
   */
  private clientError(err: NodeJS.ErrnoException, socket: HttpSocket): void {
    const failure = socket.writable ? parseFailure(err.code) : undefined;
    if (!failure) {
      socket.destroy();
      return;
    }
    const seqid = newSeqid();
    this.refused(seqid, '', '', failure.status, failure.reason);
    const answer = rawErrorResponse(seqid, failure.reason, failure.message);
    const current = socket._httpMessage;
    // The broken bytes are this call's own body (a bad chunk): nothing else can be answered.
    if (current && current.req && !current.req.complete) {
      if (current.headersSent) socket.destroy();
      else answerAndClose(socket, answer);
      return;
    }
    // Earlier pipelined calls are answered first, in order; the refusal comes last.
    answerAfter(socket, answer);
  }
}

/** Waits until no response is being written on `socket`, then sends `answer` and closes. */
function answerAfter(socket: HttpSocket, answer: string): void {
  if (socket.destroyed) return;
  const current = socket._httpMessage;
  if (!current) {
    if (socket.writable) answerAndClose(socket, answer);
    else socket.destroy();
    return;
  }
  // Node attaches the next queued response in its own 'finish' handler: look again after it.
  current.once('close', () => setImmediate(() => answerAfter(socket, answer)));
}

function listen(server: HttpServer | HttpsServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
