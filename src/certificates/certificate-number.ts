import type { EntityManager } from 'typeorm';
import { calendarDate } from 'src/audits/calendar-date';

/** `AMRC-<year>-<5 digits>`. */
export const CERTIFICATE_NUMBER_PATTERN = /^AMRC-\d{4}-\d{5}$/;

export interface CertificateNumber {
  readonly year: number;
  readonly sequence: number;
  readonly number: string;
}

export function formatCertificateNumber(year: number, sequence: number): string {
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > 99_999) {
    throw new RangeError(`A certificate sequence is 1 to 99999, not ${sequence}`);
  }
  return `AMRC-${year}-${String(sequence).padStart(5, '0')}`;
}

/** The numbering year of an issuance: its year in Africa/Casablanca. */
export function numberingYear(at: Date): number {
  return Number(calendarDate(at).slice(0, 4));
}

/**
 * Takes the next number of `year` in the caller's transaction. The counter row stays locked until
 * that transaction ends: concurrent issuances wait for it, and a failed issuance gives its number
 * back by rolling back, so numbers have no gap.
 */
export async function takeCertificateNumber(
  em: EntityManager,
  year: number,
): Promise<CertificateNumber> {
  const [row] = await em.query<{ last_sequence: number }[]>(
    `INSERT INTO certificate_number_counter (year, last_sequence) VALUES ($1, 1)
     ON CONFLICT (year) DO UPDATE SET last_sequence = certificate_number_counter.last_sequence + 1
     RETURNING last_sequence`,
    [year],
  );
  const sequence = Number(row.last_sequence);
  return { year, sequence, number: formatCertificateNumber(year, sequence) };
}
