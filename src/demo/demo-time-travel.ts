import type { DataSource, EntityManager } from 'typeorm';

/** How far back the demo moves one closed audit: past both deadlines of 2020.1 (7 and 30 days). */
export const BACKDATED_DAYS = 45;

/**
 * Demo only: moves one closed audit whose corrective actions were never answered, and those
 * actions, {@link BACKDATED_DAYS} days into the past, so that the sample shows overdue actions on
 * its first day. The service never does this: a closed audit is frozen by a trigger, lifted here
 * for this one transaction. The journal keeps the real times of what happened.
 */
export async function backdateOneClosedAudit(db: DataSource): Promise<number> {
  return db.transaction(async (em) => {
    const [audit] = await em.query<{ id: string }[]>(
      `SELECT a.id FROM audit a
        WHERE a.status = 'closed'
          AND EXISTS (SELECT 1 FROM corrective_action ca
                       WHERE ca.audit_id = a.id AND ca.status = 'open'
                         AND NOT EXISTS (SELECT 1 FROM corrective_action_response r
                                          WHERE r.corrective_action_id = ca.id))
        ORDER BY a.closed_at LIMIT 1`,
    );
    if (!audit) {
      return 0;
    }
    const shift = [audit.id, BACKDATED_DAYS];
    await shiftAudit(em, audit.id, BACKDATED_DAYS);
    const moved = await em.query<{ id: string }[]>(
      `UPDATE corrective_action SET opened_at = opened_at - make_interval(days => $2),
              due_at = due_at - make_interval(days => $2)
        WHERE audit_id = $1 AND status = 'open'
        RETURNING id`,
      shift,
    );
    return Array.isArray(moved[0]) ? (moved[0] as unknown[]).length : moved.length;
  });
}

/**
 * Demo only: moves a closed audit `days` into the past, as if the visit had been made then (the
 * certificates sample issues a certificate on it in the past, which has expired since).
 */
export async function backdateClosedAudit(
  db: DataSource,
  auditId: string,
  days: number,
): Promise<void> {
  await db.transaction((em) => shiftAudit(em, auditId, days));
}

// A closed audit is frozen by a trigger, lifted for this one transaction.
async function shiftAudit(em: EntityManager, auditId: string, days: number): Promise<void> {
  await em.query('ALTER TABLE audit DISABLE TRIGGER audit_final_freeze_trg');
  await em.query(
    `UPDATE audit SET planned_for = planned_for - $2::int, visited_on = visited_on - $2::int,
            started_at = started_at - make_interval(days => $2),
            submitted_at = submitted_at - make_interval(days => $2),
            closed_at = closed_at - make_interval(days => $2)
      WHERE id = $1`,
    [auditId, days],
  );
  await em.query('ALTER TABLE audit ENABLE TRIGGER audit_final_freeze_trg');
}
