import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';
import type { DatabaseTarget } from './database-url.js';

export interface DataSourceSpec {
  app: string;
  target: DatabaseTarget;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}

/**
 * Opens the app's database and runs its migrations (never `synchronize`). On PostgreSQL the
 * migrations of concurrent replicas are serialised with an advisory lock, and `?schema=` in
 * `DATABASE_URL` selects (and creates) a schema.
 */
export async function openDataSource(spec: DataSourceSpec): Promise<DataSource> {
  const common = {
    entities: spec.entities,
    migrations: spec.migrations,
    migrationsTableName: `${spec.app.replace(/-/g, '_')}_migrations`,
    synchronize: false,
    migrationsRun: false,
    logging: false,
  } as const;
  let options: DataSourceOptions;
  if (spec.target.type === 'sqlite') {
    mkdirSync(path.dirname(spec.target.file), { recursive: true });
    options = {
      ...common,
      type: 'better-sqlite3',
      database: spec.target.file,
      prepareDatabase: (db: { pragma(p: string): unknown }) => {
        db.pragma('journal_mode = WAL');
        db.pragma('busy_timeout = 5000');
      },
    } as DataSourceOptions;
  } else {
    options = { ...common, type: 'postgres', url: spec.target.url, schema: spec.target.schema, extra: { max: 10 } };
  }
  const dataSource = new DataSource(options);
  await dataSource.initialize();
  try {
    if (spec.target.type === 'postgres') {
      const lockId = createHash('sha1').update(`wxgate:${spec.app}`).digest().readInt32BE(0);
      const runner = dataSource.createQueryRunner();
      await runner.connect();
      try {
        await runner.query('SELECT pg_advisory_lock($1)', [lockId]);
        if (spec.target.schema) await runner.query(`CREATE SCHEMA IF NOT EXISTS "${spec.target.schema.replace(/"/g, '')}"`);
        await dataSource.runMigrations({ transaction: 'each' });
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [lockId]).catch(() => undefined);
        await runner.release();
      }
    } else {
      await dataSource.runMigrations({ transaction: 'each' });
    }
  } catch (err) {
    await dataSource.destroy().catch(() => undefined);
    throw err;
  }
  return dataSource;
}
