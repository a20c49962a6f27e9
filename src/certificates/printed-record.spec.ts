import { createHash } from 'node:crypto';
import { type PrintedRecord, printedRecordHash, printedScore } from './printed-record';

const record: PrintedRecord = {
  number: 'AMRC-2026-00042',
  company: { name: 'Atlas Relation Client', ice: '001234567000089' },
  site: { name: 'Plateau Zerktouni', address: '12 boulevard Zerktouni', city: 'Casablanca' },
  charterVersion: '2020.1',
  auditDate: '2026-10-02',
  score: 91.5,
  groupScores: { employees: 95, clients: 88.89, providers: null, community: 90 },
  validFrom: '2026-10-10',
  validUntil: '2027-03-31',
};

describe('printedRecordHash', () => {
  it('hashes the canonical JSON: keys sorted, no spaces, whatever the order of the fields', () => {
    const canonical =
      '{"auditDate":"2026-10-02","charterVersion":"2020.1","company":{"ice":"001234567000089",' +
      '"name":"Atlas Relation Client"},"groupScores":{"clients":88.89,"community":90,' +
      '"employees":95,"providers":null},"number":"AMRC-2026-00042","score":91.5,"site":' +
      '{"address":"12 boulevard Zerktouni","city":"Casablanca","name":"Plateau Zerktouni"},' +
      '"validFrom":"2026-10-10","validUntil":"2027-03-31"}';
    const expected = createHash('sha256').update(canonical).digest('base64url');
    expect(printedRecordHash(record)).toBe(expected);
    const { validUntil, ...rest } = record;
    const reordered = { validUntil, ...rest };
    expect(Object.keys(reordered)[0]).toBe('validUntil');
    expect(printedRecordHash(reordered)).toBe(expected);
  });

  it('changes with any printed field', () => {
    const base = printedRecordHash(record);
    expect(printedRecordHash({ ...record, score: 91.51 })).not.toBe(base);
    expect(printedRecordHash({ ...record, site: { ...record.site, city: 'Rabat' } })).not.toBe(
      base,
    );
    expect(printedRecordHash({ ...record, validUntil: '2027-04-01' })).not.toBe(base);
  });

  it('is base64url without padding', () => {
    expect(printedRecordHash(record)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('printedScore', () => {
  it('rounds to two decimals', () => {
    expect(printedScore(88.888888)).toBe(88.89);
    expect(printedScore(75)).toBe(75);
  });
});
