import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { Subjects } from '@wxgate/contracts';
import { AdminClient } from '../admin/admin-client.js';
import { ReadEnvironment } from '../admin/read-environment.usecase.js';
import { Audit } from './audit.js';
import type { ConsoleRequest, ConsoleResponse } from './console-request.js';
import { attempt, Views } from './views.js';

type Form = Record<string, unknown>;
const field = (form: Form, name: string) => (typeof form?.[name] === 'string' ? (form[name] as string).trim() : '');
/** Paths typed one per line (or separated by spaces or commas). */
const pathsOf = (text: string) => text.split(/[\s,]+/).filter(Boolean);

@Controller('environments')
export class EnvironmentPagesController {
  constructor(
    private readonly admin: AdminClient,
    private readonly environments: ReadEnvironment,
    private readonly views: Views,
    private readonly audit: Audit,
  ) {}

  @Get()
  async list(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse) {
    await this.listPage(req, res, {}, 200);
  }

  @Post()
  async put(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse, @Body() form: Form) {
    const env = { envId: field(form, 'envId'), ownerAppid: field(form, 'ownerAppid'), ownerKind: field(form, 'ownerKind') };
    const result = await attempt(() => this.admin.request(Subjects.admin.envPut, env));
    this.audit.record(req, 'env.put', env, result.ok ? 'ok' : result.error);
    if (!result.ok) return this.listPage(req, res, { error: result.error, entered: env }, result.status);
    this.views.redirect(req, res, `/environments/${encodeURIComponent(env.envId)}`, { kind: 'ok', text: `Environment ${env.envId} saved (owner ${env.ownerKind} ${env.ownerAppid}).` });
  }

  @Get(':envId')
  async show(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse, @Param('envId') envId: string) {
    await this.showPage(req, res, envId, {}, 200);
  }

  @Post(':envId/allowlist/add')
  async addPaths(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse, @Param('envId') envId: string, @Body() form: Form) {
    const text = field(form, 'paths');
    const paths = pathsOf(text);
    await this.change(req, res, envId, { subject: Subjects.admin.allowlistAdd, action: 'allowlist.add', payload: { paths }, done: `Added to the allowlist: ${paths.join(' ')}`, keep: { enteredPaths: text } });
  }

  @Post(':envId/allowlist/remove')
  async removePath(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse, @Param('envId') envId: string, @Body() form: Form) {
    const path = field(form, 'path');
    await this.change(req, res, envId, { subject: Subjects.admin.allowlistRemove, action: 'allowlist.remove', payload: { paths: [path] }, done: `Removed from the allowlist: ${path}` });
  }

  @Post(':envId/shares/:change')
  async share(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse, @Param('envId') envId: string, @Param('change') change: string, @Body() form: Form) {
    const subject = change === 'add' ? Subjects.admin.shareAdd : change === 'remove' ? Subjects.admin.shareRemove : undefined;
    if (!subject) return this.showPage(req, res, envId, { error: `unknown change ${change}` }, 404);
    const appid = field(form, 'appid');
    await this.change(req, res, envId, { subject, action: `share.${change}`, payload: { appid }, done: change === 'add' ? `Shared with ${appid}.` : `No longer shared with ${appid}.`, keep: { enteredAppid: appid } });
  }

  @Post(':envId/merchants/:change')
  async merchant(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse, @Param('envId') envId: string, @Param('change') change: string, @Body() form: Form) {
    const subject = change === 'bind' ? Subjects.admin.merchantBind : change === 'unbind' ? Subjects.admin.merchantUnbind : undefined;
    if (!subject) return this.showPage(req, res, envId, { error: `unknown change ${change}` }, 404);
    const mchid = field(form, 'mchid');
    await this.change(req, res, envId, { subject, action: `merchant.${change}`, payload: { mchid }, done: change === 'bind' ? `Merchant ${mchid} bound.` : `Merchant ${mchid} unbound.` });
  }

  /** One change to an environment: the admin request, its audit line, then the page again (refusal) or a redirect (done). */
  private async change(req: ConsoleRequest, res: ConsoleResponse, envId: string, c: { subject: string; action: string; payload: Record<string, unknown>; done: string; keep?: Record<string, unknown> }) {
    const result = await attempt(() => this.admin.request(c.subject, { envId, ...c.payload }));
    this.audit.record(req, c.action, { envId, ...c.payload }, result.ok ? 'ok' : result.error);
    if (!result.ok) return this.showPage(req, res, envId, { error: result.error, ...c.keep }, result.status);
    this.views.redirect(req, res, this.url(envId), { kind: 'ok', text: c.done });
  }

  private url(envId: string): string {
    return `/environments/${encodeURIComponent(envId)}`;
  }

  private async listPage(req: ConsoleRequest, res: ConsoleResponse, extra: Record<string, unknown>, status: number) {
    const envs = await attempt(() => this.environments.list());
    this.views.page(req, res, 'environments', { title: 'Environments', nav: 'environments', envs: envs.ok ? envs.value.envs : [], listError: envs.ok ? undefined : envs.error, ...extra }, status);
  }

  private async showPage(req: ConsoleRequest, res: ConsoleResponse, envId: string, extra: Record<string, unknown>, status: number) {
    const env = await attempt(() => this.environments.execute(envId));
    if (!env.ok) return this.views.page(req, res, 'error', { title: `Environment ${envId}`, nav: 'environments', message: env.error }, env.status);
    this.views.page(req, res, 'environment', { title: `Environment ${envId}`, nav: 'environments', env: env.value, ...extra }, status);
  }
}
