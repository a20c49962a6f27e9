import type { PoolClient } from 'pg';
import type { EntityManager } from 'typeorm';

/**
 * Runs `text` as a named prepared statement on the connection of `em`'s transaction: PostgreSQL
 * parses it once per connection and, after a few runs, keeps a generic plan. For the hot
 * statements whose planning costs as much as their execution. Outside a transaction (no
 * connection of its own), a plain query.
 */
export async function preparedQuery<T>(
  em: EntityManager,
  name: string,
  text: string,
  values: readonly unknown[],
): Promise<T[]> {
  const runner = em.queryRunner;
  if (!runner || runner.isReleased) {
    return em.query<T[]>(text, [...values]);
  }
  const client = (await runner.connect()) as PoolClient;
  const result = await client.query<T & object>({ name, text, values: [...values] });
  return result.rows;
}
