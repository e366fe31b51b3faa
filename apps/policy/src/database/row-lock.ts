import type { EntityManager } from 'typeorm';

/**
 * A row lock for read-then-write transactions on PostgreSQL, where replicas run them concurrently
 * under READ COMMITTED. SQLite serialises writers itself (a stale write transaction fails and is
 * retried), and TypeORM refuses lock modes there.
 */
export function rowLock(manager: EntityManager, mode: 'pessimistic_read' | 'pessimistic_write') {
  return manager.connection.options.type === 'postgres' ? { mode } : undefined;
}
