import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Injectable } from '@nestjs/common';
import { CALLER_HEADER, Reason, WxgateError } from '@wxgate/contracts';
import type { CallRecord } from '../access-log/access-log.js';
import { ControlPlane, type Callers } from '../control-plane/control-plane.js';
import { CallerMetrics } from '../metrics/caller.metrics.js';
import { answerAndClose, rawErrorResponse, type ErrorExtras } from './respond.js';
import { fromCallerHeader, fromProxyAuthorization, isKnownCaller, MALFORMED, type PresentedCredential } from './presented-credential.js';

export interface CallerRefusal extends ErrorExtras {
  reason: Reason;
  message: string;
  status: number;
}

type Presented = PresentedCredential | typeof MALFORMED | undefined;

/** What a CONNECT presented; it authenticates every request in its tunnel. */
interface Tunnel {
  presented: Presented;
}

const MISSING_MESSAGE = `this relay requires a caller credential: Proxy-Authorization: Basic base64(name:secret), or ${CALLER_HEADER}: name:secret`;
const WRONG_MESSAGE = 'the caller credential was not accepted';

function refusal(proxyForm: boolean, message: string): CallerRefusal {
  return proxyForm
    ? { reason: Reason.CALLER_UNAUTHENTICATED, message, status: 407, headers: { 'proxy-authenticate': 'Basic realm="wxgate"' } }
    : { reason: Reason.CALLER_UNAUTHENTICATED, message, status: 401, headers: { 'www-authenticate': `${CALLER_HEADER} realm="wxgate"` } };
}
const REFUSED = {
  proxy: { missing: refusal(true, MISSING_MESSAGE), wrong: refusal(true, WRONG_MESSAGE) },
  direct: { missing: refusal(false, MISSING_MESSAGE), wrong: refusal(false, WRONG_MESSAGE) },
};

/**
 * Caller credentials (docs/callers.md): when the environment lists callers, every relayed request
 * must present one of them — `Proxy-Authorization: Basic` on the proxy forms (absolute-form and
 * CONNECT, where the tunnel's credential stands for each request in it) or `x-wxgate-caller` on
 * the base URL and by name — else 407 (proxy forms) / 401 `CALLER_UNAUTHENTICATED`. Each request
 * is checked against the current list, so a removed caller stops at its next request, tunnels
 * included. A wrong name and a wrong secret get the same answer after the same work.
 */
@Injectable()
export class CallerGate {
  private readonly tunnels = new WeakMap<Socket, Tunnel>();

  constructor(
    private readonly control: ControlPlane,
    private readonly metrics: CallerMetrics,
  ) {}

  /**
   * `undefined` when the request may go on (its caller's name noted on `call`); a promise only
   * while the list is being asked.
   */
  admit(req: IncomingMessage, call: CallRecord): CallerRefusal | undefined | Promise<CallerRefusal | undefined> {
    const callers = this.control.peekCallers();
    if (callers === undefined) return this.control.callers().then((known) => this.check(known, req, call));
    return this.check(callers, req, call);
  }

  /**
   * A CONNECT: `open` is called when it may be tunnelled, else the refusal is written to the socket
   * (407, or 503 when the list cannot be had) and `refused` told its status and reason.
   */
  admitTunnel(req: IncomingMessage, socket: Socket, seqid: string, outcome: { open(): void; refused(status: number, reason: Reason): void }): void {
    const presented = fromHeader(req.headers['proxy-authorization'], fromProxyAuthorization);
    const decide = (callers: Callers) => {
      if (socket.destroyed) return;
      const refused = this.verdict(callers, presented, REFUSED.proxy);
      if (refused) {
        outcome.refused(refused.status, refused.reason);
        answerAndClose(socket, rawErrorResponse(seqid, refused.reason, refused.message, refused));
        return;
      }
      this.tunnels.set(socket, { presented });
      outcome.open();
    };
    const callers = this.control.peekCallers();
    if (callers !== undefined) return decide(callers);
    this.control.callers().then(decide, (err: unknown) => {
      if (socket.destroyed) return;
      const reason = err instanceof WxgateError ? err.reason : Reason.TOKEN_UNAVAILABLE;
      outcome.refused(503, reason);
      answerAndClose(socket, rawErrorResponse(seqid, reason, err instanceof Error ? err.message : 'policy check failed'));
    });
  }

  private check(callers: Callers, req: IncomingMessage, call: CallRecord): CallerRefusal | undefined {
    if (callers.size === 0) return undefined;
    const tunnel = this.tunnelOf(req.socket);
    let presented: Presented;
    let proxyForm: boolean;
    if (tunnel) {
      proxyForm = true;
      presented = tunnel.presented ?? presentedBy(req);
    } else {
      proxyForm = req.url !== undefined && req.url.charCodeAt(0) !== 0x2f; /* / */
      presented = presentedBy(req);
    }
    const refused = this.verdict(callers, presented, proxyForm ? REFUSED.proxy : REFUSED.direct);
    if (refused) return refused;
    call.caller = (presented as PresentedCredential).name;
    this.metrics.called(call.caller);
    return undefined;
  }

  private verdict(callers: Callers, presented: Presented, answers: typeof REFUSED.proxy): CallerRefusal | undefined {
    if (callers.size === 0) return undefined;
    if (presented === undefined) {
      this.metrics.rejected('missing');
      return answers.missing;
    }
    if (presented === MALFORMED || !isKnownCaller(callers, presented)) {
      this.metrics.rejected('wrong');
      return answers.wrong;
    }
    return undefined;
  }

  /**
   * A request inside a CONNECT tunnel arrives on the tunnel's socket itself (port 80: plain HTTP
   * inside) or on the TLS socket wrapping it (port 443), which Node links as `_parent`.
   */
  private tunnelOf(socket: Socket): Tunnel | undefined {
    const parent = (socket as Socket & { _parent?: Socket | null })._parent;
    return this.tunnels.get(socket) ?? (parent ? this.tunnels.get(parent) : undefined);
  }
}

function presentedBy(req: IncomingMessage): Presented {
  return fromHeader(req.headers['proxy-authorization'], fromProxyAuthorization) ?? fromHeader(req.headers[CALLER_HEADER], fromCallerHeader);
}

function fromHeader(value: string | string[] | undefined, parse: (v: string) => PresentedCredential | typeof MALFORMED): Presented {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? parse(value) : MALFORMED;
}
