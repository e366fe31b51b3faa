import { Option, type Command } from 'commander';
import {
  Subjects,
  type AllowlistReply,
  type CredentialListItem,
  type PayPolicyDecision,
  type EnvDetail,
  type EnvListReply,
  type PolicyDecision,
  type ShareListReply,
} from '@wxgate/contracts';
import type { CliContext } from '../context.js';
import { CliExit, ExitCode, usage } from '../exit.js';
import { lines, record, table } from '../format.js';

type OwnerKind = 'component' | 'app';

/** Without `--kind`, the owner's kind is what the token-refresher knows it as. */
async function ownerKind(cli: CliContext, ownerAppid: string): Promise<OwnerKind> {
  const known = await cli.session().request<CredentialListItem[]>(Subjects.admin.credentialsList, {});
  const kinds = new Set(known.filter((c) => c.appid === ownerAppid && (c.kind as string) !== 'merchant' && c.kind !== 'authorizer').map((c) => c.kind as OwnerKind));
  if (kinds.size === 1) return [...kinds][0]!;
  throw usage(`${ownerAppid} is ${kinds.size ? 'both a component and an app' : 'not a known component or app'}: say --kind component or --kind app`);
}


export function registerEnvironmentCommands(program: Command, cli: CliContext): void {
  const env = program.command('env').description('environments: who owns the calls a forwarder relays (ENV_ID)');
  env
    .command('add <envId> <ownerAppid>')
    .description('create or change an environment owned by a component or an app')
    .addOption(new Option('--kind <kind>', 'owner kind (default: looked up among the stored credentials)').choices(['component', 'app']))
    .action(async (envId: string, ownerAppid: string, opts: { kind?: OwnerKind }) => {
      const kind = opts.kind ?? (await ownerKind(cli, ownerAppid));
      await cli.send(Subjects.admin.envPut, { envId, ownerAppid, ownerKind: kind }, `environment ${envId} owned by ${kind} ${ownerAppid}`);
    });
  env
    .command('show <envId>')
    .description('an environment with its allowlist, share list and bound merchants')
    .action(async (envId: string) => {
      const detail = await cli.session().request<EnvDetail>(Subjects.admin.envGet, { envId });
      cli.print(
        record([
          ['env', detail.envId],
          ['owner', `${detail.ownerKind} ${detail.ownerAppid}`],
          ['allowed paths', lines(detail.paths)],
          ['shared with', lines(detail.appids)],
          ['merchants', lines(detail.mchids ?? [])],
        ]),
        detail,
      );
    });
  env
    .command('ls')
    .alias('list')
    .description('every environment')
    .action(async () => {
      const reply = await cli.session().request<EnvListReply>(Subjects.admin.envList, {});
      const human = table(['env', 'owner kind', 'owner'], reply.envs.map((e) => [e.envId, e.ownerKind, e.ownerAppid]));
      cli.print(human, reply);
    });
  env
    .command('rm <envId>')
    .description('delete an environment with its allowlist and shares')
    .action(async (envId: string) => {
      await cli.send(Subjects.admin.envDelete, { envId }, `environment ${envId} removed`);
    });

  const allow = program.command('allow').description("an environment's path allowlist (exact, case-sensitive paths)");
  allow
    .command('add <envId> <paths...>')
    .description('allow paths (all or none: one invalid path rejects the request)')
    .action(async (envId: string, paths: string[]) => {
      await cli.send(Subjects.admin.allowlistAdd, { envId, paths }, `${paths.length} path(s) allowed in ${envId}`);
    });
  allow
    .command('rm <envId> <paths...>')
    .description('stop allowing paths (removing what is not there is fine)')
    .action(async (envId: string, paths: string[]) => {
      await cli.send(Subjects.admin.allowlistRemove, { envId, paths }, `${paths.length} path(s) removed from ${envId}`);
    });
  allow
    .command('ls <envId>')
    .alias('list')
    .description('allowed paths, one per line')
    .action(async (envId: string) => {
      const reply = await cli.session().request<AllowlistReply>(Subjects.admin.allowlistList, { envId });
      cli.print(lines(reply.paths), reply);
    });

  const share = program.command('share').description('appids that may call through an environment (from_appid)');
  share
    .command('add <envId> <appid>')
    .description('let an appid be used as from_appid')
    .action(async (envId: string, appid: string) => {
      await cli.send(Subjects.admin.shareAdd, { envId, appid }, `${envId} shared with ${appid}`);
    });
  share
    .command('rm <envId> <appid>')
    .description('stop sharing with an appid')
    .action(async (envId: string, appid: string) => {
      await cli.send(Subjects.admin.shareRemove, { envId, appid }, `${envId} no longer shared with ${appid}`);
    });
  share
    .command('ls <envId>')
    .alias('list')
    .description('shared appids, one per line')
    .action(async (envId: string) => {
      const reply = await cli.session().request<ShareListReply>(Subjects.admin.shareList, { envId });
      cli.print(lines(reply.appids), reply);
    });

  program
    .command('check <envId> <path>')
    .description('ask the policy whether a call would be relayed, and with which token (exit 1 when refused)')
    .option('--from-appid <appid>', 'the from_appid the caller would send')
    .option('--pay', 'a WeChat Pay call: answer which merchant would sign it')
    .option('--from-mchid <mchid>', 'the from_mchid the caller would send (with --pay)')
    .action(async (envId: string, path: string, opts: { fromAppid?: string; pay?: boolean; fromMchid?: string }) => {
      if (opts.pay) {
        const pay = await cli.session().request<PayPolicyDecision>(Subjects.policy.check, { envId, path, api: 'pay', ...(opts.fromMchid ? { fromMchid: opts.fromMchid } : {}) });
        if (!pay.allowed) throw new CliExit(ExitCode.REFUSED, `refused: ${pay.reason} (errcode ${pay.errcode}): ${pay.message}`, pay);
        return cli.print(`allowed: signed as merchant ${pay.credential.mchid}`, pay);
      }
      const decision = await cli.session().request<PolicyDecision>(Subjects.policy.check, { envId, path, ...(opts.fromAppid ? { fromAppid: opts.fromAppid } : {}) });
      if (!decision.allowed) {
        throw new CliExit(ExitCode.REFUSED, `refused: ${decision.reason} (errcode ${decision.errcode}): ${decision.message}`, decision);
      }
      const via = decision.componentAppid ? ` (component_appid ${decision.componentAppid})` : '';
      cli.print(`allowed: ${decision.credential.kind} ${decision.credential.appid}'s token as ${decision.tokenParam}${via}`, decision);
    });
}
