import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ExplainDecision } from '../admin/explain-decision.usecase.js';
import type { ConsoleRequest, ConsoleResponse } from './console-request.js';
import { attempt, Views } from './views.js';

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/** "Check a call": a read, so a GET form (bookmarkable, no CSRF token needed). */
@Controller('check')
export class CheckPageController {
  constructor(
    private readonly explainer: ExplainDecision,
    private readonly views: Views,
  ) {}

  @Get()
  async check(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse, @Query() query: Record<string, unknown>) {
    const call = { envId: text(query.envId), path: text(query.path), fromAppid: text(query.fromAppid) || undefined };
    const page = { title: 'Check a call', nav: 'check', call };
    if (!call.envId || !call.path) return this.views.page(req, res, 'check', page);
    const result = await attempt(() => this.explainer.execute(call));
    if (!result.ok) return this.views.page(req, res, 'check', { ...page, error: result.error }, result.status);
    this.views.page(req, res, 'check', { ...page, result: result.value });
  }
}
