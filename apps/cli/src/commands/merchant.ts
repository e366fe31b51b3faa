import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Subjects, type MerchantBindingsReply, type MerchantListItem } from '@wxgate/contracts';
import type { CliContext } from '../context.js';
import { usage } from '../exit.js';
import { lines, table } from '../format.js';
import { resolveSecrets } from '../secrets.js';

function readPem(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw usage(`${flag}: cannot read ${file}`);
  }
}

/** WeChat Pay merchants (token-refresher) and their binding to environments (policy); see docs/wechat-pay.md. */
export function registerMerchantCommands(program: Command, cli: CliContext): void {
  const merchant = program.command('merchant').description('WeChat Pay merchants: keys kept by wxgate, bound to environments');
  merchant
    .command('add <mchid>')
    .description('store a merchant (private key and APIv3 key sealed); without --public-key-id the platform certificates are downloaded first')
    .requiredOption('--serial-no <hex>', 'serial number of the merchant API certificate')
    .requiredOption('--key-file <file>', 'the merchant API private key (apiclient_key.pem)')
    .option('--api-v3-key <key>', 'the 32-character APIv3 key (prompted or read from stdin when omitted)')
    .option('--public-key-id <id>', 'WeChat Pay public key id (PUB_KEY_ID_…), for public-key mode')
    .option('--public-key-file <file>', 'WeChat Pay public key (pub_key.pem), with --public-key-id')
    .action(async (mchid: string, opts: { serialNo: string; keyFile: string; apiV3Key?: string; publicKeyId?: string; publicKeyFile?: string }) => {
      if ((opts.publicKeyId === undefined) !== (opts.publicKeyFile === undefined)) throw usage('--public-key-id and --public-key-file go together');
      const privateKey = readPem(opts.keyFile, '--key-file');
      const [apiV3Key] = await resolveSecrets([{ flag: '--api-v3-key', label: 'APIv3 key (32 characters)', value: opts.apiV3Key }], cli.term);
      await cli.send(Subjects.admin.merchantPut, {
        mchid,
        serialNo: opts.serialNo,
        privateKey,
        apiV3Key,
        ...(opts.publicKeyId ? { publicKeyId: opts.publicKeyId, publicKey: readPem(opts.publicKeyFile!, '--public-key-file') } : {}),
      }, `merchant ${mchid} saved`);
    });
  merchant
    .command('list')
    .alias('ls')
    .description('merchants with how answers are verified and their status')
    .action(async () => {
      const all = await cli.session().request<{ kind: string }[]>(Subjects.admin.credentialsList, {});
      const items = all.filter((c): c is MerchantListItem => c.kind === 'merchant');
      cli.print(table(['mchid', 'mode', 'status'], items.map((m) => [m.mchid, m.mode, m.status])), items);
    });
  merchant
    .command('rm <mchid>')
    .description('delete a merchant and its keys')
    .action(async (mchid: string) => {
      await cli.send(Subjects.admin.merchantDelete, { mchid }, `merchant ${mchid} removed`);
    });
  merchant
    .command('bind <envId> <mchid>')
    .description('let an environment sign WeChat Pay calls as this merchant')
    .action(async (envId: string, mchid: string) => {
      await cli.send(Subjects.admin.merchantBind, { envId, mchid }, `merchant ${mchid} bound to ${envId}`);
    });
  merchant
    .command('unbind <envId> <mchid>')
    .description('stop an environment from using this merchant')
    .action(async (envId: string, mchid: string) => {
      await cli.send(Subjects.admin.merchantUnbind, { envId, mchid }, `merchant ${mchid} unbound from ${envId}`);
    });
  merchant
    .command('bindings <envId>')
    .description("an environment's merchants, one per line")
    .action(async (envId: string) => {
      const reply = await cli.session().request<MerchantBindingsReply>(Subjects.admin.merchantBindings, { envId });
      cli.print(lines(reply.mchids), reply);
    });
}
