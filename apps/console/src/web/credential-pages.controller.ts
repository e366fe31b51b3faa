import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { CREDENTIAL_KINDS, Subjects, type AuthorizerSyncReply, type CredentialListItem } from '@wxgate/contracts';
import { AdminClient } from '../admin/admin-client.js';
import { Audit } from './audit.js';
import type { ConsoleRequest, ConsoleResponse } from './console-request.js';
import { attempt, Views } from './views.js';

type Form = Record<string, unknown>;
const field = (form: Form, name: string) => (typeof form?.[name] === 'string' ? (form[name] as string).trim() : '');
/** Secrets are taken as typed (no trimming) and never rendered back or logged. */
const secretField = (form: Form, name: string) => (typeof form?.[name] === 'string' ? (form[name] as string) : '');

/** What a credential form puts, by form name: the subject, the request, and the identifiers the audit log may show. */
const FORMS = {
  component: {
    subject: Subjects.admin.componentPut,
    request: (f: Form) => ({ componentAppid: field(f, 'componentAppid'), componentAppsecret: secretField(f, 'componentAppsecret'), token: secretField(f, 'token'), encodingAesKey: secretField(f, 'encodingAesKey') }),
    ids: (f: Form) => ({ componentAppid: field(f, 'componentAppid') }),
    done: (f: Form) => `Component ${field(f, 'componentAppid')} saved.`,
  },
  app: {
    subject: Subjects.admin.appPut,
    request: (f: Form) => ({ appid: field(f, 'appid'), secret: secretField(f, 'secret') }),
    ids: (f: Form) => ({ appid: field(f, 'appid') }),
    done: (f: Form) => `App ${field(f, 'appid')} saved.`,
  },
  authorizer: {
    subject: Subjects.admin.authorizerPut,
    request: (f: Form) => ({ componentAppid: field(f, 'componentAppid'), authorizerAppid: field(f, 'authorizerAppid'), refreshToken: secretField(f, 'refreshToken') }),
    ids: (f: Form) => ({ componentAppid: field(f, 'componentAppid'), authorizerAppid: field(f, 'authorizerAppid') }),
    done: (f: Form) => `Authorizer ${field(f, 'authorizerAppid')} of ${field(f, 'componentAppid')} imported.`,
  },
} as const;

@Controller('credentials')
export class CredentialPagesController {
  constructor(
    private readonly admin: AdminClient,
    private readonly views: Views,
    private readonly audit: Audit,
  ) {}

  @Get()
  async list(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse, @Query('rotate') rotate?: string) {
    await this.listPage(req, res, { rotate: typeof rotate === 'string' ? rotate : '' }, 200);
  }

  @Post('put')
  async put(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse, @Body() form: Form) {
    const name = field(form, 'form');
    const spec = Object.hasOwn(FORMS, name) ? FORMS[name as keyof typeof FORMS] : undefined;
    if (!spec) return this.listPage(req, res, { error: `unknown credential form ${JSON.stringify(name)}` }, 400);
    const result = await attempt(() => this.admin.request(spec.subject, spec.request(form)));
    this.audit.record(req, spec.subject.replace('wxgate.admin.', ''), spec.ids(form), result.ok ? 'ok' : result.error);
    // Identifiers are kept in the form after a refusal; secrets never are.
    if (!result.ok) return this.listPage(req, res, { error: result.error, entered: { form: name, ...spec.ids(form) } }, result.status);
    this.views.redirect(req, res, '/credentials', { kind: 'ok', text: spec.done(form) });
  }

  @Post('sync')
  async sync(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse, @Body() form: Form) {
    const componentAppid = field(form, 'componentAppid');
    const result = await attempt(() => this.admin.request<AuthorizerSyncReply>(Subjects.admin.authorizerSync, { componentAppid }));
    this.audit.record(req, 'authorizer.sync', { componentAppid }, result.ok ? 'ok' : result.error);
    if (!result.ok) return this.listPage(req, res, { error: result.error }, result.status);
    this.views.redirect(req, res, '/credentials', { kind: 'ok', text: `Imported ${result.value.imported} authorization(s) of ${componentAppid} from WeChat.` });
  }

  /** Deleting asks first: this page names what goes, and only its form deletes. */
  @Get('delete')
  confirm(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse, @Query() query: Form) {
    const target = this.target(query);
    if (!target) return this.listPage(req, res, { error: 'say which credential to delete (kind and appid)' }, 400);
    this.views.page(req, res, 'confirm-delete', { title: 'Delete a credential', nav: 'credentials', target });
  }

  @Post('delete')
  async remove(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse, @Body() form: Form) {
    const target = this.target(form);
    if (!target) return this.listPage(req, res, { error: 'say which credential to delete (kind and appid)' }, 400);
    const result = await attempt(() => this.admin.request(Subjects.admin.credentialsDelete, target));
    this.audit.record(req, 'credentials.delete', target, result.ok ? 'ok' : result.error);
    if (!result.ok) return this.listPage(req, res, { error: result.error }, result.status);
    this.views.redirect(req, res, '/credentials', { kind: 'ok', text: `Deleted ${target.kind} ${target.appid}.` });
  }

  private target(form: Form): { kind: string; appid: string; componentAppid?: string } | undefined {
    const kind = field(form, 'kind');
    const appid = field(form, 'appid');
    const componentAppid = field(form, 'componentAppid');
    if (!(CREDENTIAL_KINDS as readonly string[]).includes(kind) || !appid) return undefined;
    return { kind, appid, ...(componentAppid ? { componentAppid } : {}) };
  }

  private async listPage(req: ConsoleRequest, res: ConsoleResponse, extra: Record<string, unknown>, status: number) {
    const list = await attempt(() => this.admin.request<CredentialListItem[]>(Subjects.admin.credentialsList, {}));
    const credentials = list.ok ? list.value : [];
    this.views.page(req, res, 'credentials', { title: 'Credentials', nav: 'credentials', credentials, listError: list.ok ? undefined : list.error, components: credentials.filter((c) => c.kind === 'component').map((c) => c.appid), ...extra }, status);
  }
}
