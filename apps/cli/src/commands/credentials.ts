import { Argument, type Command } from 'commander';
import { CREDENTIAL_KINDS, Subjects, type AuthorizerSyncReply, type CredentialKind, type CredentialListItem } from '@wxgate/contracts';
import type { CliContext } from '../context.js';
import { age, formatTime, table, timeLeft } from '../format.js';
import { resolveSecrets } from '../secrets.js';

export const kindArgument = () => new Argument('<kind>', 'credential kind').choices(CREDENTIAL_KINDS);

/** The credentials that have tokens: `credentials.list` lists merchants too (kind "merchant", no appid), shown by `wxgate merchant list`. */
export function tokenCredentials(all: { kind: string }[]): CredentialListItem[] {
  return all.filter((c): c is CredentialListItem => c.kind !== 'merchant');
}

export async function listCredentials(cli: CliContext, kind?: CredentialKind): Promise<CredentialListItem[]> {
  const tokens = tokenCredentials(await cli.session().request<{ kind: string }[]>(Subjects.admin.credentialsList, {}));
  return kind ? tokens.filter((c) => c.kind === kind) : tokens;
}

export function credentialsTable(items: CredentialListItem[], now = Date.now()): string {
  const withTickets = items.some((c) => c.kind === 'component');
  const withComponent = items.some((c) => c.componentAppid);
  const head = ['kind', 'appid', ...(withComponent ? ['component'] : []), 'status', 'token expires', 'time left', ...(withTickets ? ['newest ticket'] : [])];
  const rows = items.map((c) => [
    c.kind,
    c.appid,
    ...(withComponent ? [c.componentAppid ?? '-'] : []),
    c.status,
    formatTime(c.tokenExpiresAt),
    timeLeft(c.tokenExpiresAt, now),
    ...(withTickets ? [c.kind === 'component' ? age(c.ticketAt, now) : '-'] : []),
  ]);
  return table(head, rows);
}

async function remove(cli: CliContext, kind: CredentialKind, appid: string, componentAppid?: string): Promise<void> {
  await cli.send(Subjects.admin.credentialsDelete, componentAppid ? { kind, appid, componentAppid } : { kind, appid }, `${kind} ${appid}${componentAppid ? ` of ${componentAppid}` : ''} removed`);
}

export function registerCredentialCommands(program: Command, cli: CliContext): void {
  const component = program.command('component').description('third-party platform (component) credentials');
  component
    .command('add <componentAppid>')
    .description('store a component (appid, secret, message-verification token, EncodingAESKey)')
    .option('--secret <secret>', 'component appsecret (prompted or read from stdin when omitted)')
    .option('--token <token>', 'message-verification token set on the WeChat console (prompted or stdin)')
    .option('--aes-key <key>', '43-character EncodingAESKey (prompted or stdin)')
    .addHelpText(
      'after',
      `
Key rotation: run "component add" again with the new --aes-key (and the same secret and token).
wxgate keeps the previous key for decryption, so pushes signed before the switch still verify.

Secrets left out are prompted for without echo, or read from a piped stdin one per line in the
order --secret, --token, --aes-key (only those not given as flags):
  printf '%s\\n%s\\n%s\\n' "$SECRET" "$TOKEN" "$AES_KEY" | wxgate component add wx1234567890abcdef`,
    )
    .action(async (componentAppid: string, opts: { secret?: string; token?: string; aesKey?: string }) => {
      const [componentAppsecret, token, encodingAesKey] = await resolveSecrets(
        [
          { flag: '--secret', label: 'component appsecret', value: opts.secret },
          { flag: '--token', label: 'message-verification token', value: opts.token },
          { flag: '--aes-key', label: 'EncodingAESKey (43 characters)', value: opts.aesKey },
        ],
        cli.term,
      );
      await cli.send(Subjects.admin.componentPut, { componentAppid, componentAppsecret, token, encodingAesKey }, `component ${componentAppid} saved`);
    });
  component
    .command('list')
    .alias('ls')
    .description('components with token status, time left and the age of the newest ticket')
    .action(async () => {
      const items = await listCredentials(cli, 'component');
      cli.print(credentialsTable(items), items);
    });
  component
    .command('rm <componentAppid>')
    .description('delete a component and everything stored for it')
    .action((appid: string) => remove(cli, 'component', appid));

  const app = program.command('app').description("apps that use their own appid + secret (stable_token)");
  app
    .command('add <appid>')
    .description('store an app secret')
    .option('--secret <secret>', 'app secret (prompted or read from stdin when omitted)')
    .action(async (appid: string, opts: { secret?: string }) => {
      const [secret] = await resolveSecrets([{ flag: '--secret', label: 'app secret', value: opts.secret }], cli.term);
      await cli.send(Subjects.admin.appPut, { appid, secret }, `app ${appid} saved`);
    });
  app
    .command('list')
    .alias('ls')
    .description('apps with token status and time left')
    .action(async () => {
      const items = await listCredentials(cli, 'app');
      cli.print(credentialsTable(items), items);
    });
  app
    .command('rm <appid>')
    .description('delete an app and its token')
    .action((appid: string) => remove(cli, 'app', appid));

  const authorizer = program.command('authorizer').description('apps that authorized a component');
  authorizer
    .command('import <componentAppid> <authorizerAppid>')
    .description('import an existing authorization by its refresh token')
    .option('--refresh-token <token>', 'authorizer_refresh_token (prompted or read from stdin when omitted)')
    .action(async (componentAppid: string, authorizerAppid: string, opts: { refreshToken?: string }) => {
      const [refreshToken] = await resolveSecrets([{ flag: '--refresh-token', label: 'authorizer refresh token', value: opts.refreshToken }], cli.term);
      await cli.send(Subjects.admin.authorizerPut, { componentAppid, authorizerAppid, refreshToken }, `authorizer ${authorizerAppid} of ${componentAppid} imported`);
    });
  authorizer
    .command('sync <componentAppid>')
    .description('pull every authorization of a component from WeChat (api_get_authorizer_list); the ones WeChat no longer lists become unauthorized')
    .action(async (componentAppid: string) => {
      const reply = await cli.session().request<AuthorizerSyncReply>(Subjects.admin.authorizerSync, { componentAppid });
      cli.print(`ok: ${reply.imported} authorizer(s) of ${componentAppid} imported, ${reply.unauthorized} no longer listed by WeChat marked unauthorized`, reply);
    });
  authorizer
    .command('list [componentAppid]')
    .alias('ls')
    .description('authorizations (of one component when given): app, component, status and time left; an app that authorized several components has a row for each')
    .action(async (componentAppid: string | undefined) => {
      const items = (await listCredentials(cli, 'authorizer')).filter((c) => !componentAppid || c.componentAppid === componentAppid);
      cli.print(credentialsTable(items), items);
    });
  authorizer
    .command('rm <authorizerAppid>')
    .description("forget an authorization's refresh token and token")
    .option('--component <componentAppid>', 'the component whose authorization to forget (needed when the app authorized several)')
    .action((appid: string, opts: { component?: string }) => remove(cli, 'authorizer', appid, opts.component));
}
