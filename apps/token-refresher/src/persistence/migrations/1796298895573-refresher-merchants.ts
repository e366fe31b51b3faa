import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** WeChat Pay merchants and the notifications already published (portable: SQLite and PostgreSQL). */
export class RefresherMerchants1796298895573 implements MigrationInterface {
  name = 'RefresherMerchants1796298895573';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'refresher_merchants',
        columns: [
          { name: 'mchid', type: 'text', isPrimary: true },
          { name: 'serial_no', type: 'text' },
          { name: 'private_key', type: 'text' },
          { name: 'api_v3_key', type: 'text' },
          { name: 'public_key_id', type: 'text', isNullable: true },
          { name: 'public_key', type: 'text', isNullable: true },
          { name: 'certificates', type: 'text', isNullable: true },
          { name: 'certificates_at', type: 'bigint', isNullable: true },
          { name: 'certificate_failures', type: 'integer', default: 0 },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'refresher_pay_notifications',
        columns: [
          { name: 'id', type: 'text', isPrimary: true },
          { name: 'mchid', type: 'text' },
          { name: 'published_at', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createIndex('refresher_pay_notifications', new TableIndex({ name: 'idx_refresher_pay_notifications_at', columnNames: ['published_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('refresher_pay_notifications');
    await queryRunner.dropTable('refresher_merchants');
  }
}
