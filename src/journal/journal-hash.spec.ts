import {
  findChainBreak,
  GENESIS_HASH,
  journalHash,
  type JournalRecord,
} from 'src/journal/journal-hash';

type StoredEntry = JournalRecord & { prevHash: string; hash: string };

const record = (seq: number): JournalRecord => ({
  seq,
  id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
  occurredAt: new Date(Date.UTC(2020, 5, 1, 8, 0, seq)),
  actorId: seq % 2 ? '11111111-1111-4111-8111-111111111111' : null,
  actorRole: seq % 2 ? 'admin' : null,
  organisationId: null,
  action: 'site.updated',
  entityType: 'site',
  entityId: `site-${seq}`,
  changes: { city: { before: 'Fès', after: `Rabat ${seq}` }, nested: { b: [1, 2], a: null } },
  requestId: `req-${seq}`,
});

/** A well-formed chain of `length` entries, as the journal writes it. */
function chain(length: number): StoredEntry[] {
  const entries: StoredEntry[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= length; seq++) {
    const hash = journalHash(prevHash, record(seq));
    entries.push({ ...record(seq), prevHash, hash });
    prevHash = hash;
  }
  return entries;
}

describe('journalHash', () => {
  it('is a SHA-256 in hex', () => {
    expect(journalHash(GENESIS_HASH, record(1))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes the record only, not the stored prevHash and hash beside it', () => {
    const [entry] = chain(1);
    expect(journalHash(entry.prevHash, entry)).toBe(entry.hash);
  });

  it('does not depend on the order of the keys of changes, as jsonb reorders them', () => {
    const reordered = {
      ...record(1),
      changes: { nested: { a: null, b: [1, 2] }, city: record(1).changes.city },
    };
    expect(journalHash(GENESIS_HASH, reordered)).toBe(journalHash(GENESIS_HASH, record(1)));
  });

  it('depends on the previous hash', () => {
    expect(journalHash('f'.repeat(64), record(1))).not.toBe(journalHash(GENESIS_HASH, record(1)));
  });
});

describe('findChainBreak', () => {
  it('passes an intact chain', () => {
    expect(findChainBreak(GENESIS_HASH, 0, chain(10))).toBeNull();
  });

  it('passes an empty run', () => {
    expect(findChainBreak(GENESIS_HASH, 0, [])).toBeNull();
  });

  it('passes a run that continues from the hash before it', () => {
    const entries = chain(10);
    expect(findChainBreak(entries[4].hash, 5, entries.slice(5))).toBeNull();
  });

  it.each<[string, (entry: StoredEntry) => StoredEntry]>([
    ['action', (e) => ({ ...e, action: 'site.deleted' })],
    ['actor', (e) => ({ ...e, actorId: '22222222-2222-4222-8222-222222222222' })],
    ['time (by one millisecond)', (e) => ({ ...e, occurredAt: new Date(+e.occurredAt + 1) })],
    [
      'its changes',
      (e) => ({ ...e, changes: { ...e.changes, city: { before: 'Fès', after: 'Oujda' } } }),
    ],
    ['entity id', (e) => ({ ...e, entityId: 'site-other' })],
    ['request id', (e) => ({ ...e, requestId: null })],
  ])('detects an entry whose %s was altered, at that entry', (_, alter) => {
    const entries = chain(6);
    entries[3] = alter(entries[3]);
    expect(findChainBreak(GENESIS_HASH, 0, entries)).toEqual({
      seq: 4,
      reason: 'its content does not match its hash',
    });
  });

  it('detects an altered entry whose hash was recomputed, at the entry after it', () => {
    const entries = chain(6);
    const altered = { ...entries[3], action: 'site.deleted' };
    entries[3] = { ...altered, hash: journalHash(altered.prevHash, altered) };
    expect(findChainBreak(GENESIS_HASH, 0, entries)).toEqual({
      seq: 5,
      reason: 'its previous hash does not match the entry before it',
    });
  });

  it('detects two entries swapped in place', () => {
    const entries = chain(6);
    [entries[2], entries[3]] = [entries[3], entries[2]];
    expect(findChainBreak(GENESIS_HASH, 0, entries)).toEqual({
      seq: 4,
      reason: 'expected entry 3, found 4',
    });
  });

  it('detects two entries that swapped their sequence numbers', () => {
    const entries = chain(6);
    const [third, fourth] = [entries[2], entries[3]];
    entries[2] = { ...fourth, seq: 3 };
    entries[3] = { ...third, seq: 4 };
    expect(findChainBreak(GENESIS_HASH, 0, entries)).toMatchObject({ seq: 3 });
  });

  it('detects a removed entry, at the entry after the gap', () => {
    const entries = chain(6);
    entries.splice(2, 1);
    expect(findChainBreak(GENESIS_HASH, 0, entries)).toEqual({
      seq: 4,
      reason: 'expected entry 3, found 4',
    });
  });

  it('detects a removed first entry', () => {
    expect(findChainBreak(GENESIS_HASH, 0, chain(3).slice(1))).toMatchObject({ seq: 2 });
  });

  it('detects a removed entry whose successors were renumbered', () => {
    const entries = chain(6);
    entries.splice(2, 1);
    const renumbered = entries.map((e, i) => ({ ...e, seq: i + 1 }));
    expect(findChainBreak(GENESIS_HASH, 0, renumbered)).toMatchObject({ seq: 3 });
  });

  it('detects a wrong previous hash', () => {
    const entries = chain(6);
    entries[4] = { ...entries[4], prevHash: entries[2].hash };
    expect(findChainBreak(GENESIS_HASH, 0, entries)).toEqual({
      seq: 5,
      reason: 'its previous hash does not match the entry before it',
    });
  });

  it('detects a first entry that does not start from the genesis hash', () => {
    const entries = chain(2);
    entries[0] = { ...entries[0], prevHash: 'a'.repeat(64) };
    expect(findChainBreak(GENESIS_HASH, 0, entries)).toMatchObject({ seq: 1 });
  });

  it('detects a run that does not continue from the hash given before it', () => {
    const entries = chain(6);
    expect(findChainBreak(entries[3].hash, 5, entries.slice(5))).toMatchObject({ seq: 6 });
  });
});
