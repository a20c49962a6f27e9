import { createHash } from 'node:crypto';
import { canonicalJson } from 'src/common/canonical-json';

export const GENESIS_HASH = '0'.repeat(64);

/** The hashed content of one journal entry, as PostgreSQL stores and returns it. */
export interface JournalRecord {
  readonly seq: number;
  readonly id: string;
  readonly occurredAt: Date;
  readonly actorId: string | null;
  readonly actorRole: string | null;
  readonly organisationId: string | null;
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly changes: Record<string, unknown>;
  readonly requestId: string | null;
}

/** `sha256(prevHash || canonical(entry))`, hex: the link that chains an entry to the one before. */
export function journalHash(prevHash: string, record: JournalRecord): string {
  return createHash('sha256')
    .update(prevHash)
    .update(canonicalJson(hashedFields(record)))
    .digest('hex');
}

// Named one by one: a stored row also carries `prevHash` and `hash`, which must not be hashed.
function hashedFields(record: JournalRecord): Record<keyof JournalRecord, unknown> {
  return {
    seq: String(record.seq),
    id: record.id,
    occurredAt: record.occurredAt,
    actorId: record.actorId,
    actorRole: record.actorRole,
    organisationId: record.organisationId,
    action: record.action,
    entityType: record.entityType,
    entityId: record.entityId,
    changes: record.changes,
    requestId: record.requestId,
  };
}

export interface ChainBreak {
  readonly seq: number;
  readonly reason: string;
}

/**
 * Checks a run of consecutive entries against the hash that precedes them; returns the first
 * broken link, if any.
 */
export function findChainBreak(
  previousHash: string,
  previousSeq: number,
  entries: readonly (JournalRecord & { prevHash: string; hash: string })[],
): ChainBreak | null {
  let expectedPrev = previousHash;
  let expectedSeq = previousSeq + 1;
  for (const entry of entries) {
    if (entry.seq !== expectedSeq) {
      return { seq: entry.seq, reason: `expected entry ${expectedSeq}, found ${entry.seq}` };
    }
    if (entry.prevHash !== expectedPrev) {
      return { seq: entry.seq, reason: 'its previous hash does not match the entry before it' };
    }
    if (journalHash(entry.prevHash, entry) !== entry.hash) {
      return { seq: entry.seq, reason: 'its content does not match its hash' };
    }
    expectedPrev = entry.hash;
    expectedSeq += 1;
  }
  return null;
}
