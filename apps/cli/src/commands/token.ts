import type { Command } from 'commander';
import { Subjects, type CredentialKind, type TokenReply } from '@wxgate/contracts';
import type { CliContext } from '../context.js';
import { formatTime, record, timeLeft } from '../format.js';
import { kindArgument } from './credentials.js';

const HIDDEN = '(hidden: add --reveal to print it)';
const COMPONENT_HELP = "authorizers: the component whose authorization's token (needed when the app authorized several)";

function show(cli: CliContext, reply: TokenReply, reveal: boolean, extra: [string, string][] = []): void {
  const now = Date.now();
  const json = {
    kind: reply.kind,
    appid: reply.appid,
    ...(reply.componentAppid ? { componentAppid: reply.componentAppid } : {}),
    expiresAt: reply.expiresAt,
    expiresInS: Math.max(0, Math.floor((reply.expiresAt - now) / 1000)),
    ...Object.fromEntries(extra),
    ...(reveal ? { token: reply.token } : {}),
  };
  cli.print(
    record([
      ['kind', reply.kind],
      ['appid', reply.appid],
      ...(reply.componentAppid ? [['component', reply.componentAppid] as [string, string]] : []),
      ['expires', formatTime(reply.expiresAt)],
      ['time left', timeLeft(reply.expiresAt, now)],
      ...extra,
      ['token', reveal ? reply.token : HIDDEN],
    ]),
    json,
  );
}

export function registerTokenCommands(program: Command, cli: CliContext): void {
  const token = program.command('token').description('access tokens as services get them over NATS');
  token
    .command('get')
    .addArgument(kindArgument())
    .argument('<appid>', 'component, authorizer or app appid')
    .description('the current token: expiry and time left; the token itself only with --reveal')
    .option('--component <componentAppid>', COMPONENT_HELP)
    .option('--reveal', 'print the token (it is a secret: keep it out of logs)')
    .action(async (kind: CredentialKind, appid: string, opts: { reveal?: boolean; component?: string }) => {
      const reply = await cli.session().request<TokenReply>(Subjects.token.get(kind, appid, opts.component), {});
      show(cli, reply, opts.reveal === true);
    });
  token
    .command('invalidate')
    .addArgument(kindArgument())
    .argument('<appid>', 'component, authorizer or app appid')
    .description('report the current token as rejected so it is refreshed (rate-limited per credential)')
    .option('--component <componentAppid>', COMPONENT_HELP)
    .option('--reveal', 'print the new token')
    .action(async (kind: CredentialKind, appid: string, opts: { reveal?: boolean; component?: string }) => {
      const session = cli.session();
      const current = await session.request<TokenReply>(Subjects.token.get(kind, appid, opts.component), {});
      // The pair the refresher answered for, even when --component was left to it.
      const reply = await session.request<TokenReply>(Subjects.token.invalidate(kind, appid, current.componentAppid), { token: current.token });
      const refreshed = reply.token !== current.token;
      show(cli, reply, opts.reveal === true, [['refreshed', refreshed ? 'yes' : 'no (rate-limited, or already replaced)']]);
    });
}
