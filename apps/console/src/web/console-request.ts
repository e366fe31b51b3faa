import type { Request, Response } from 'express';
import type { ConsoleSession } from '../security/session-store.js';

/** Set on requests that came in on CONSOLE_PORT (the admin port serves only health and metrics). */
export const VIA_CONSOLE = Symbol('viaConsole');

export interface ConsoleRequest extends Request {
  [VIA_CONSOLE]?: true;
  consoleSession?: ConsoleSession;
}

export type ConsoleResponse = Response;

/** The signed-in session (the auth middleware lets no request without one reach a page handler). */
export function sessionOf(req: ConsoleRequest): ConsoleSession {
  if (!req.consoleSession) throw new Error('no console session on a signed-in route');
  return req.consoleSession;
}
