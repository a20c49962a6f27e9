import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { type EntityManager, Repository } from 'typeorm';
import type { RequestContext } from 'src/auth/request-context';
import { type Page, pageOf, pageWindow } from 'src/common/pagination';
import { JournalEntry } from 'src/journal/journal-entry.entity';
import { GENESIS_HASH, journalHash, type JournalRecord } from 'src/journal/journal-hash';
import { type VerifyResult, verifyJournal } from 'src/journal/journal-verification';
import type { JournalQuery } from 'src/journal/journal.dto';

// Serialises appends across every instance, so that the chain never forks.
const JOURNAL_LOCK_KEY = 7_204_312;
const SECRET_FIELD = /password|secret|token|hash/i;

export interface JournalChange {
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string;
  /** The organisation the entity belongs to, when it belongs to one. */
  readonly organisationId?: string | null;
  /** Changed fields, `{ field: { before, after } }`, or the created record's fields. */
  readonly changes?: Record<string, unknown>;
}

/** Keeps only the fields that differ, as `{ field: { before, after } }`. */
export function diff<T extends object>(before: T, after: T, fields: readonly (keyof T & string)[]) {
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const field of fields) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) {
      changes[field] = { before: before[field], after: after[field] };
    }
  }
  return changes;
}

@Injectable()
export class JournalService {
  constructor(@InjectRepository(JournalEntry) private readonly entries: Repository<JournalEntry>) {}

  /**
   * Appends one entry in the caller's transaction. Call it last in the use case: it takes the
   * journal's lock, which is held until the transaction ends.
   */
  async append(em: EntityManager, ctx: RequestContext, change: JournalChange): Promise<void> {
    await this.appendMany(em, ctx, [change]);
  }

  /** Appends several entries, in order, in one statement (same rules as {@link append}). */
  async appendMany(
    em: EntityManager,
    ctx: RequestContext,
    changes: readonly JournalChange[],
  ): Promise<void> {
    if (changes.length === 0) {
      return;
    }
    await em.query('SELECT pg_advisory_xact_lock($1)', [JOURNAL_LOCK_KEY]);
    const [last] = await em.query<{ seq: string; hash: string }[]>(
      'SELECT seq, hash FROM journal_entry ORDER BY seq DESC LIMIT 1',
    );
    let seq = last ? Number(last.seq) : 0;
    let prevHash = last?.hash ?? GENESIS_HASH;
    const occurredAt = new Date();
    const rows = changes.map((change) => {
      const record: JournalRecord = {
        seq: (seq += 1),
        id: randomUUID(),
        occurredAt,
        actorId: ctx.actor?.userId ?? null,
        actorRole: ctx.actor?.role ?? null,
        organisationId: change.organisationId ?? ctx.actor?.organisationId ?? null,
        action: change.action,
        entityType: change.entityType,
        entityId: change.entityId,
        // Round-trip through JSON: what is hashed is what jsonb will give back.
        changes: JSON.parse(JSON.stringify(withoutSecrets(change.changes ?? {}))) as Record<
          string,
          unknown
        >,
        requestId: ctx.requestId,
      };
      const hash = journalHash(prevHash, record);
      const row = {
        seq: record.seq,
        id: record.id,
        occurred_at: record.occurredAt.toISOString(),
        actor_id: record.actorId,
        actor_role: record.actorRole,
        organisation_id: record.organisationId,
        action: record.action,
        entity_type: record.entityType,
        entity_id: record.entityId,
        changes: record.changes,
        request_id: record.requestId,
        prev_hash: prevHash,
        hash,
      };
      prevHash = hash;
      return row;
    });
    await em.query(
      `INSERT INTO journal_entry (seq, id, occurred_at, actor_id, actor_role, organisation_id,
         action, entity_type, entity_id, changes, request_id, prev_hash, hash)
       SELECT seq, id, occurred_at, actor_id, actor_role, organisation_id, action, entity_type,
              entity_id, changes, request_id, prev_hash, hash
         FROM jsonb_to_recordset($1::jsonb) AS e(seq bigint, id uuid, occurred_at timestamptz,
           actor_id uuid, actor_role varchar, organisation_id uuid, action varchar,
           entity_type varchar, entity_id varchar, changes jsonb, request_id varchar,
           prev_hash varchar, hash varchar)
        ORDER BY seq`,
      [JSON.stringify(rows)],
    );
  }

  async list(query: JournalQuery): Promise<Page<JournalEntry>> {
    const qb = this.entries.createQueryBuilder('j').orderBy('j.seq', 'DESC');
    if (query.entityType) {
      qb.andWhere('j.entity_type = :entityType', { entityType: query.entityType });
    }
    if (query.entityId) {
      qb.andWhere('j.entity_id = :entityId', { entityId: query.entityId });
    }
    if (query.actorId) {
      qb.andWhere('j.actor_id = :actorId', { actorId: query.actorId });
    }
    if (query.organisationId) {
      qb.andWhere('j.organisation_id = :organisationId', { organisationId: query.organisationId });
    }
    if (query.action) {
      qb.andWhere('j.action = :action', { action: query.action });
    }
    if (query.from) {
      qb.andWhere('j.occurred_at >= :from', { from: query.from });
    }
    if (query.to) {
      qb.andWhere('j.occurred_at < :to', { to: query.to });
    }
    const { skip, take } = pageWindow(query);
    const [items, total] = await qb.skip(skip).take(take).getManyAndCount();
    return pageOf(items, total, query);
  }

  /** Walks the whole chain in order and reports the first broken link, or how many entries hold. */
  verify(): Promise<VerifyResult> {
    return verifyJournal(this.entries.manager);
  }
}

function withoutSecrets(changes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(changes).filter(([field]) => !SECRET_FIELD.test(field)));
}
