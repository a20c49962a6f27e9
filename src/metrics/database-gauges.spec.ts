import { certificateCounts } from 'src/metrics/database-gauges';

describe('certificateCounts', () => {
  it('names stored valid certificates active, and counts those in force past their end as expired', () => {
    const counts = certificateCounts([
      { status: 'valid', n: 10, ended: 2 },
      { status: 'suspended', n: 3, ended: 1 },
      { status: 'expired', n: 5, ended: 5 },
      { status: 'revoked', n: 1, ended: 0 },
      { status: 'superseded', n: 4, ended: 3 },
    ]);
    expect(Object.fromEntries(counts.map(({ status, n }) => [status, n]))).toEqual({
      active: 8,
      suspended: 2,
      expired: 8,
      revoked: 1,
      superseded: 4,
    });
    expect(counts).toHaveLength(5);
  });

  it('gives nothing for no certificate', () => {
    expect(certificateCounts([])).toEqual([]);
  });
});
