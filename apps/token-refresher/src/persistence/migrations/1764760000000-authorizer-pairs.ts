import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** refresher_meta key: the sealed authorizer secrets still carry their pre-pair context (see resealAuthorizerPairs). */
export const RESEAL_PAIRS_KEY = 'reseal_authorizer_pairs';

/**
 * Authorizers become (component, authorizer) pairs: one app may authorize several components.
 * `refresher_authorizers` is keyed by (component_appid, appid); `refresher_tokens` gains
 * `component_appid` in its key ('' for components and apps), filled from the authorizer row, so
 * every stored token keeps being served after the upgrade without a WeChat call. A token row of
 * an authorizer that no longer exists has no pair to belong to and goes.
 *
 * The sealed refresh and access tokens of authorizers are bound to their row's identity, which
 * now includes the component; a migration has no master key, so it leaves a marker and the
 * refresher re-seals them at its next start, before it serves anything.
 */
const ms = (name: string, nullable = true) => ({ name, type: 'bigint', isNullable: nullable });
const text = (name: string, nullable = false) => ({ name, type: 'text', isNullable: nullable });
const TOKEN_COLUMNS = ['token', 'obtained_at', 'expires_at', 'failures', 'last_error', 'last_errcode', 'failed_at', 'next_attempt_at', 'lease_holder', 'lease_until', 'invalidated_at'];
const AUTHORIZER_COLUMNS = ['component_appid', 'appid', 'refresh_token', 'status', 'func_scopes', 'code_hash', 'changed_at', 'updated_at'];

export class AuthorizerPairs1764760000000 implements MigrationInterface {
  name = 'AuthorizerPairs1764760000000';

  // A new key means a new table on SQLite, so both databases take the same path: create the
  // table under a new name, copy the rows, drop the old one, rename.
  async up(queryRunner: QueryRunner): Promise<void> {
    // Raw SQL names its tables in the configured schema (PostgreSQL `?schema=`), like TypeORM's own calls.
    const schema = (queryRunner.connection.options as { schema?: string }).schema;
    const t = (name: string) => (schema ? `"${schema}"."${name}"` : `"${name}"`);
    await queryRunner.createTable(
      new Table({
        name: 'refresher_authorizers_pairs',
        columns: [
          { ...text('component_appid'), isPrimary: true },
          { ...text('appid'), isPrimary: true },
          text('refresh_token', true),
          text('status'),
          text('func_scopes'),
          text('code_hash', true),
          ms('changed_at', false),
          ms('updated_at', false),
        ],
      }),
    );
    const authorizerColumns = AUTHORIZER_COLUMNS.join(', ');
    await queryRunner.query(`INSERT INTO ${t('refresher_authorizers_pairs')} (${authorizerColumns}) SELECT ${authorizerColumns} FROM ${t('refresher_authorizers')}`);
    await queryRunner.createTable(
      new Table({
        name: 'refresher_tokens_pairs',
        columns: [
          { ...text('kind'), isPrimary: true },
          { ...text('component_appid'), isPrimary: true },
          { ...text('appid'), isPrimary: true },
          text('token', true),
          ms('obtained_at'),
          ms('expires_at'),
          { name: 'failures', type: 'integer', isNullable: false, default: 0 },
          text('last_error', true),
          { name: 'last_errcode', type: 'integer', isNullable: true },
          ms('failed_at'),
          ms('next_attempt_at'),
          text('lease_holder', true),
          ms('lease_until'),
          ms('invalidated_at'),
        ],
      }),
    );
    const tokenColumns = TOKEN_COLUMNS.join(', ');
    const fromTokens = TOKEN_COLUMNS.map((c) => `t.${c}`).join(', ');
    // Components and apps keep their row as is; an authorizer's token moves to its pair (a token
    // row without an authorizer row belongs to no pair and is left behind).
    await queryRunner.query(
      `INSERT INTO ${t('refresher_tokens_pairs')} (kind, component_appid, appid, ${tokenColumns}) SELECT t.kind, '', t.appid, ${fromTokens} FROM ${t('refresher_tokens')} t WHERE t.kind <> 'authorizer'`,
    );
    await queryRunner.query(
      `INSERT INTO ${t('refresher_tokens_pairs')} (kind, component_appid, appid, ${tokenColumns}) SELECT t.kind, a.component_appid, t.appid, ${fromTokens} FROM ${t('refresher_tokens')} t JOIN ${t('refresher_authorizers')} a ON a.appid = t.appid WHERE t.kind = 'authorizer'`,
    );
    await queryRunner.dropTable('refresher_tokens');
    await queryRunner.dropTable('refresher_authorizers');
    await queryRunner.renameTable('refresher_tokens_pairs', 'refresher_tokens');
    await queryRunner.renameTable('refresher_authorizers_pairs', 'refresher_authorizers');
    // The four-token subject `token.get.authorizer.<appid>` looks a pair up by the authorizer appid.
    await queryRunner.createIndex('refresher_authorizers', new TableIndex({ name: 'idx_refresher_authorizers_appid', columnNames: ['appid'] }));
    await queryRunner.query(`INSERT INTO ${t('refresher_meta')} (key, value) VALUES ('${RESEAL_PAIRS_KEY}', 'pending')`);
  }

  async down(): Promise<void> {
    // Two components may hold one authorizer now; folding them back into one row would lose one.
    throw new Error('AuthorizerPairs1764760000000 cannot be reverted: restore the backup taken before the upgrade');
  }
}
