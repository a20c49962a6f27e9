import { describeVerification } from 'src/journal/journal-verification';

describe('describeVerification (what journal:verify prints)', () => {
  it('reports an intact chain with its head, and exits 0', () => {
    expect(
      describeVerification({ ok: true, verified: 42, head: { seq: 42, hash: 'ab'.repeat(32) } }),
    ).toEqual({
      lines: [
        'Journal verified: 42 entries, chain intact',
        `Head: entry 42, hash ${'ab'.repeat(32)}`,
      ],
      exitCode: 0,
    });
  });

  it('reports an empty journal as intact', () => {
    expect(describeVerification({ ok: true, verified: 0, head: null })).toEqual({
      lines: ['Journal verified: 0 entries, chain intact'],
      exitCode: 0,
    });
  });

  it('reports the first broken entry, its reason and the count before it, and exits 1', () => {
    expect(
      describeVerification({
        ok: false,
        verified: 1,
        seq: 2,
        reason: 'its content does not match its hash',
      }),
    ).toEqual({
      lines: [
        'Journal broken at entry 2: its content does not match its hash',
        '1 entry verified before it',
      ],
      exitCode: 1,
    });
  });
});
