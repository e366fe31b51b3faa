import { Body, Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import { APP_CONFIG } from '@wxgate/platform';
import type { ConsoleConfig } from '../config.js';
import { passwordMatches } from '../security/password.js';
import { SESSION_COOKIE, SessionStore } from '../security/session-store.js';
import { Audit } from './audit.js';
import type { ConsoleRequest, ConsoleResponse } from './console-request.js';
import { Views } from './views.js';

@Controller()
export class AuthController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: ConsoleConfig,
    private readonly sessions: SessionStore,
    private readonly views: Views,
    private readonly audit: Audit,
  ) {}

  @Get('login')
  form(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse) {
    if (req.consoleSession) return res.redirect(303, '/');
    res.type('html').send(this.views.render('login', { title: 'Sign in' }));
  }

  @Post('login')
  signIn(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse, @Body() body: Record<string, unknown>) {
    if (!passwordMatches(body?.password, this.config.password)) {
      this.audit.record(req, 'sign-in', {}, 'wrong password');
      return res.status(401).type('html').send(this.views.render('login', { title: 'Sign in', error: 'Wrong password.' }));
    }
    if (req.consoleSession) this.sessions.destroy(req.consoleSession.id);
    const session = this.sessions.create(`operator from ${req.ip}`);
    req.consoleSession = session;
    this.audit.record(req, 'sign-in', {});
    res.cookie(SESSION_COOKIE, session.id, { httpOnly: true, sameSite: 'strict', secure: this.config.CONSOLE_COOKIE_SECURE, path: '/', maxAge: this.sessions.ttlMs });
    res.redirect(303, '/');
  }

  @Post('logout')
  signOut(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse) {
    if (req.consoleSession) {
      this.audit.record(req, 'sign-out', {});
      this.sessions.destroy(req.consoleSession.id);
    }
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: this.config.CONSOLE_COOKIE_SECURE, path: '/' });
    res.redirect(303, '/login');
  }
}
