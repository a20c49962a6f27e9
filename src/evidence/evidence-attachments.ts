import type { EntityManager } from 'typeorm';
import { RequestValidationError } from 'src/common/errors';
import { EvidenceNotFoundError } from 'src/evidence/evidence.errors';
import {
  type EvidenceLink,
  type EvidenceRecordType,
  MAX_EVIDENCE_PER_RECORD,
} from 'src/evidence/evidence.types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** See {@link EvidenceService.attach}. */
export async function replaceAttachments(em: EntityManager, link: EvidenceLink): Promise<void> {
  const ids = [...new Set(link.evidenceIds.map((id) => id.toLowerCase()))];
  if (ids.length > MAX_EVIDENCE_PER_RECORD) {
    throw new RequestValidationError([
      { field: 'evidenceIds', message: `must hold at most ${MAX_EVIDENCE_PER_RECORD} ids` },
    ]);
  }
  // Locked against a concurrent deletion or sweep until the caller commits.
  const found = ids.length
    ? await em.query<{ id: string }[]>(
        `SELECT id FROM evidence WHERE id = ANY($1::uuid[]) AND organisation_id = $2
         FOR KEY SHARE`,
        [ids.filter((id) => UUID.test(id)), link.organisationId],
      )
    : [];
  const known = new Set(found.map((row) => row.id));
  const missing = ids.find((id) => !known.has(id));
  if (missing) {
    throw new EvidenceNotFoundError({ name: 'evidenceIds', id: missing });
  }
  await em.query(
    `DELETE FROM evidence_attachment
      WHERE record_type = $1 AND record_id = $2 AND NOT (evidence_id = ANY($3::uuid[]))`,
    [link.recordType, link.recordId, ids],
  );
  if (ids.length) {
    await em.query(
      `INSERT INTO evidence_attachment
         (record_type, record_id, evidence_id, organisation_id, position)
       SELECT $1, $2, e.id, $4, e.ord - 1 FROM unnest($3::uuid[]) WITH ORDINALITY AS e (id, ord)
       ON CONFLICT ON CONSTRAINT evidence_attachment_pk
         DO UPDATE SET position = EXCLUDED.position`,
      [link.recordType, link.recordId, ids, link.organisationId],
    );
  }
}

/** See {@link EvidenceService.attachedTo}. */
export async function attachmentsOf(
  em: EntityManager,
  recordType: EvidenceRecordType,
  recordIds: readonly string[],
): Promise<Map<string, string[]>> {
  const lists = new Map(recordIds.map((id) => [id.toLowerCase(), [] as string[]]));
  if (lists.size > 0) {
    const rows = await em.query<{ record_id: string; evidence_id: string }[]>(
      `SELECT record_id, evidence_id FROM evidence_attachment
        WHERE record_type = $1 AND record_id = ANY($2::uuid[])
        ORDER BY record_id, position`,
      [recordType, [...lists.keys()]],
    );
    for (const row of rows) {
      lists.get(row.record_id)?.push(row.evidence_id);
    }
  }
  return new Map(recordIds.map((id) => [id, lists.get(id.toLowerCase()) ?? []]));
}

/** Whether a record refers to the evidence. */
export async function isAttached(em: EntityManager, evidenceId: string): Promise<boolean> {
  const [row] = await em.query<{ attached: boolean }[]>(
    'SELECT EXISTS (SELECT 1 FROM evidence_attachment WHERE evidence_id = $1) AS attached',
    [evidenceId],
  );
  return row.attached;
}
