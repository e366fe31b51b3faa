import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Environments, their allowlists and shares, and the latest authorizer event per authorizer. */
export class InitialPolicy1732100000000 implements MigrationInterface {
  name = 'InitialPolicy1732100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'policy_environments',
        columns: [
          { name: 'env_id', type: 'text', isPrimary: true },
          { name: 'owner_appid', type: 'text' },
          { name: 'owner_kind', type: 'text' },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'policy_allowlist_paths',
        columns: [
          { name: 'env_id', type: 'text', isPrimary: true },
          { name: 'path', type: 'text', isPrimary: true },
          { name: 'added_at', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'policy_shares',
        columns: [
          { name: 'env_id', type: 'text', isPrimary: true },
          { name: 'appid', type: 'text', isPrimary: true },
          { name: 'added_at', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'policy_authorizations',
        columns: [
          { name: 'component_appid', type: 'text', isPrimary: true },
          { name: 'authorizer_appid', type: 'text', isPrimary: true },
          { name: 'status', type: 'text' },
          { name: 'func_scopes', type: 'text' },
          { name: 'at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('policy_authorizations');
    await queryRunner.dropTable('policy_shares');
    await queryRunner.dropTable('policy_allowlist_paths');
    await queryRunner.dropTable('policy_environments');
  }
}
