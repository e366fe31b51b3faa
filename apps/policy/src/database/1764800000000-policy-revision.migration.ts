import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/** The policy revision every change increments (one row, starting at 0). */
export class PolicyRevision1764800000000 implements MigrationInterface {
  name = 'PolicyRevision1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'policy_revision',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'revision', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.manager.createQueryBuilder().insert().into('policy_revision').values({ id: 1, revision: 0 }).execute();
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('policy_revision');
  }
}
