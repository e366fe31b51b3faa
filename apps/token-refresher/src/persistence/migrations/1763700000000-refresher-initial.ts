import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

const ms = (name: string, nullable = true) => ({ name, type: 'bigint', isNullable: nullable });
const text = (name: string, nullable = false) => ({ name, type: 'text', isNullable: nullable });

/** The token-refresher's tables (portable: SQLite and PostgreSQL). */
export class RefresherInitial1763700000000 implements MigrationInterface {
  name = 'RefresherInitial1763700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({ name: 'refresher_meta', columns: [{ ...text('key'), isPrimary: true }, text('value')] }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'refresher_components',
        columns: [
          { ...text('appid'), isPrimary: true },
          text('secret'),
          text('verify_token'),
          text('aes_key'),
          text('previous_aes_key', true),
          text('ticket', true),
          ms('ticket_created_at'),
          ms('push_requested_at'),
          ms('updated_at', false),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({ name: 'refresher_apps', columns: [{ ...text('appid'), isPrimary: true }, text('secret'), ms('updated_at', false)] }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'refresher_authorizers',
        columns: [
          { ...text('appid'), isPrimary: true },
          text('component_appid'),
          text('refresh_token', true),
          text('status'),
          text('func_scopes'),
          text('code_hash', true),
          ms('changed_at', false),
          ms('updated_at', false),
        ],
      }),
    );
    await queryRunner.createIndex('refresher_authorizers', new TableIndex({ name: 'idx_refresher_authorizers_component', columnNames: ['component_appid'] }));
    await queryRunner.createTable(
      new Table({
        name: 'refresher_tokens',
        columns: [
          { ...text('kind'), isPrimary: true },
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
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['refresher_tokens', 'refresher_authorizers', 'refresher_apps', 'refresher_components', 'refresher_meta']) {
      await queryRunner.dropTable(table);
    }
  }
}
