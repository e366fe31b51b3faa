import type { NextFunction } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { VIA_CONSOLE, type ConsoleRequest, type ConsoleResponse } from '../web/console-request.js';
import type { Views } from '../web/views.js';
import { tokensEqual } from './password.js';
import { SESSION_COOKIE, type SessionStore } from './session-store.js';

type Middleware = (req: ConsoleRequest, res: ConsoleResponse, next: NextFunction) => void;

const ADMIN_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
/** Reachable without a session. */
const PUBLIC_PATHS = new Set(['/login']);

/** The console listener serves pages; the admin listener only /healthz, /readyz, /metrics. */
export const splitPorts: Middleware = (req, res, next) => {
  const admin = ADMIN_PATHS.has(req.path);
  if (Boolean(req[VIA_CONSOLE]) === admin) {
    res.status(404).type('text/plain').send('not found');
    return;
  }
  next();
};

/**
 * Strict CSP: only this origin's scripts, styles and fetches; no inline script or style, no
 * framing, forms post only here. Plus helmet's other headers (nosniff, no referrer, COOP, …).
 */
export const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      connectSrc: ["'self'"],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  strictTransportSecurity: false,
  referrerPolicy: { policy: 'no-referrer' },
}) as unknown as Middleware;

/** Loads the server-side session named by the cookie, if any. */
export function loadSession(sessions: SessionStore): Middleware {
  return (req, _res, next) => {
    req.consoleSession = sessions.get((req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE]);
    next();
  };
}

/** Pages need a session: a browser is sent to the sign-in page, htmx polls are told to go there. */
export const requireSession: Middleware = (req, res, next) => {
  if (!req[VIA_CONSOLE] || req.consoleSession || PUBLIC_PATHS.has(req.path) || req.path.startsWith('/static/')) {
    next();
    return;
  }
  if (req.get('hx-request')) {
    res.set('HX-Redirect', '/login').status(401).end();
    return;
  }
  if (req.method === 'GET' || req.method === 'HEAD') {
    res.redirect(303, '/login');
    return;
  }
  res.status(401).type('text/plain').send('sign in first');
};

/**
 * Every change carries the session's CSRF token as the `_csrf` form field, compared in constant
 * time; SameSite=Strict cookies are the second line. Sign-in has no session yet and is exempt.
 */
export function requireCsrf(views: Views): Middleware {
  return (req, res, next) => {
    if (!req[VIA_CONSOLE] || req.method === 'GET' || req.method === 'HEAD' || PUBLIC_PATHS.has(req.path)) {
      next();
      return;
    }
    const sent = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get('x-csrf-token');
    const session = req.consoleSession;
    if (!session || !tokensEqual(sent, session.csrf)) {
      res.status(403).type('html').send(views.render('error', { title: 'Refused', session, message: 'The form was missing its CSRF token or carried a wrong one; nothing was changed. Reload the page and try again.' }));
      return;
    }
    next();
  };
}

/** At most 5 failed sign-ins per minute per client address; then 429 until the minute is over. */
export function limitSignIn(views: Views): Middleware {
  return rateLimit({
    windowMs: 60_000,
    limit: 5,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) => {
      res.status(429).type('html').send(views.render('login', { title: 'Sign in', error: 'Too many failed sign-ins from this address: wait a minute and try again.' }));
    },
  }) as unknown as Middleware;
}
