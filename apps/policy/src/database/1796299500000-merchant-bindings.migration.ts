import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Which WeChat Pay merchants each environment may use. */
export class MerchantBindings1796299500000 implements MigrationInterface {
  name = 'MerchantBindings1796299500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'policy_merchant_bindings',
        columns: [
          { name: 'env_id', type: 'text', isPrimary: true },
          { name: 'mchid', type: 'text', isPrimary: true },
          { name: 'bound_at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('policy_merchant_bindings');
  }
}
