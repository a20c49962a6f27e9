import type { EntityManager } from 'typeorm';
import { JournalEntry } from 'src/journal/journal-entry.entity';
import { type ChainBreak, findChainBreak, GENESIS_HASH } from 'src/journal/journal-hash';

const VERIFY_BATCH = 1000;

/** The newest entry of an intact chain: record its hash elsewhere to detect a cut-off tail. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export type VerifyResult =
  | { ok: true; verified: number; head: ChainHead | null }
  | ({ ok: false; verified: number } & ChainBreak);

/**
 * Walks the whole journal in `seq` order and reports the first broken link, or how many
 * entries hold. Reads in batches, outside any transaction: entries are only ever appended.
 */
export async function verifyJournal(em: EntityManager): Promise<VerifyResult> {
  const subMillisecond = await firstSubMillisecondEntry(em);
  let head: ChainHead | null = null;
  let verified = 0;
  for (;;) {
    const batch: JournalEntry[] = await em
      .getRepository(JournalEntry)
      .createQueryBuilder('j')
      .where('j.seq > :after', { after: head?.seq ?? 0 })
      .orderBy('j.seq', 'ASC')
      .limit(VERIFY_BATCH)
      .getMany();
    if (batch.length === 0) {
      return { ok: true, verified, head };
    }
    const broken = firstOf(
      findChainBreak(head?.hash ?? GENESIS_HASH, head?.seq ?? 0, batch),
      subMillisecond !== null && subMillisecond <= batch[batch.length - 1].seq
        ? { seq: subMillisecond, reason: 'its time was changed by less than a millisecond' }
        : null,
    );
    if (broken) {
      const held = batch.findIndex((entry) => entry.seq >= broken.seq);
      return { ok: false, verified: verified + held, ...broken };
    }
    const last = batch[batch.length - 1];
    head = { seq: last.seq, hash: last.hash };
    verified += batch.length;
  }
}

// JavaScript reads timestamps to the millisecond, so the hash cannot see a change below it;
// appends only ever write whole milliseconds, so any finer digit is itself a change.
async function firstSubMillisecondEntry(em: EntityManager): Promise<number | null> {
  const [row] = await em.query<{ seq: string }[]>(
    `SELECT seq FROM journal_entry WHERE occurred_at <> date_trunc('milliseconds', occurred_at)
      ORDER BY seq LIMIT 1`,
  );
  return row ? Number(row.seq) : null;
}

function firstOf(a: ChainBreak | null, b: ChainBreak | null): ChainBreak | null {
  if (!a || !b) {
    return a ?? b;
  }
  return a.seq <= b.seq ? a : b;
}

const entries = (n: number) => `${n} ${n === 1 ? 'entry' : 'entries'}`;

/** What `npm run journal:verify` prints for a result, and its exit code. */
export function describeVerification(result: VerifyResult): { lines: string[]; exitCode: 0 | 1 } {
  if (!result.ok) {
    return {
      lines: [
        `Journal broken at entry ${result.seq}: ${result.reason}`,
        `${entries(result.verified)} verified before it`,
      ],
      exitCode: 1,
    };
  }
  return {
    lines: [
      `Journal verified: ${entries(result.verified)}, chain intact`,
      ...(result.head ? [`Head: entry ${result.head.seq}, hash ${result.head.hash}`] : []),
    ],
    exitCode: 0,
  };
}
