import { createHash } from 'node:crypto';
import { canonicalJson } from 'src/common/canonical-json';

/**
 * What a certificate prints, and what its signed token binds through `h`: anyone holding the
 * paper can rebuild this record from it, hash it, and compare with the token's `h`.
 *
 * Dates are calendar dates (YYYY-MM-DD) in Africa/Casablanca; scores are rounded to two
 * decimals as printed. Field names and shapes are part of the public contract (README).
 */
export interface PrintedRecord {
  /** `AMRC-<year>-<5 digits>`. */
  readonly number: string;
  readonly company: {
    readonly name: string;
    /** Identifiant commun de l'entreprise (15 digits). */
    readonly ice: string;
  };
  readonly site: {
    readonly name: string;
    readonly address: string;
    readonly city: string;
  };
  /** The charter version of the audit, e.g. `2020.1`. */
  readonly charterVersion: string;
  /** The day the audit visited the site. */
  readonly auditDate: string;
  readonly score: number;
  readonly groupScores: {
    readonly employees: number | null;
    readonly clients: number | null;
    readonly providers: number | null;
    readonly community: number | null;
  };
  /** The day of issuance. */
  readonly validFrom: string;
  /** The last day of validity (inclusive): the last day of the audit's validity. */
  readonly validUntil: string;
}

/** A score as printed: two decimals. */
export function printedScore(score: number): number {
  return Math.round(score * 100) / 100;
}

/**
 * `h`: the base64url (no padding) SHA-256 of the record's RFC 8785 canonical JSON (UTF-8).
 */
export function printedRecordHash(record: PrintedRecord): string {
  return createHash('sha256').update(canonicalJson(record), 'utf8').digest('base64url');
}
