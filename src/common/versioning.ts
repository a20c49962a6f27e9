import type { EntityManager, EntityTarget, FindOptionsWhere, ObjectLiteral } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { VersionMismatchError } from 'src/common/errors';

/** The code prefix of the entity, as in `SITE.VERSION_MISMATCH`. */
type VersionedEntity = string;

/** Refuses a change based on another version than the current one (If-Match, RFC 9110). */
export function assertIfMatch(
  entity: VersionedEntity,
  current: number,
  ifMatch: readonly number[] | undefined,
): void {
  if (ifMatch && !ifMatch.includes(current)) {
    throw new VersionMismatchError(entity, current);
  }
}

/**
 * `UPDATE ... SET ..., version = version + 1 WHERE id = $1 AND version = $2`, checked by its
 * affected row count, then the row as it now is.
 */
export async function updateVersioned<T extends ObjectLiteral & { id: string; version: number }>(
  em: EntityManager,
  target: EntityTarget<T>,
  entity: VersionedEntity,
  current: T,
  changes: QueryDeepPartialEntity<T>,
): Promise<T> {
  const result = await em
    .createQueryBuilder()
    .update(target)
    .set({ ...changes, version: () => 'version + 1', updatedAt: () => 'now()' })
    .where('id = :id AND version = :version', { id: current.id, version: current.version })
    .execute();
  const byId = { id: current.id } as FindOptionsWhere<T>;
  if (result.affected !== 1) {
    const now = await em.findOneBy(target, byId);
    throw new VersionMismatchError(entity, now?.version ?? current.version);
  }
  return em.findOneByOrFail(target, byId);
}
