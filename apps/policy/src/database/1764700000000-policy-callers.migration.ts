import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Caller credentials per environment: names and secret hashes (docs/callers.md). */
export class PolicyCallers1764700000000 implements MigrationInterface {
  name = 'PolicyCallers1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'policy_callers',
        columns: [
          { name: 'env_id', type: 'text', isPrimary: true },
          { name: 'name', type: 'text', isPrimary: true },
          { name: 'secret_hash', type: 'text' },
          { name: 'added_at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('policy_callers');
  }
}
