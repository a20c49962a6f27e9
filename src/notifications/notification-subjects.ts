import type { EntityManager } from 'typeorm';
import { calendarDate } from 'src/audits/calendar-date';
import type { NotificationEvent, NotificationKind } from 'src/notifications/notification-events';
import type { MessageFacts } from 'src/notifications/render-message';

/** Who hears of a kind of event. */
export interface Audience {
  /** Active members of the site's company. */
  readonly members: boolean;
  /** Active administrators. */
  readonly admins: boolean;
  /** The audit's assigned auditor. */
  readonly auditor: boolean;
}

const AUDIENCES: Readonly<Record<NotificationKind, Audience>> = {
  'audit.planned': { members: true, admins: false, auditor: true },
  'audit.rescheduled': { members: true, admins: false, auditor: true },
  'audit.cancelled': { members: true, admins: false, auditor: true },
  'audit.unassigned': { members: false, admins: false, auditor: true },
  'audit.closed': { members: true, admins: false, auditor: false },
  'audit.surveillance_due': { members: true, admins: true, auditor: false },
  'corrective_action.due_in_7_days': { members: true, admins: false, auditor: false },
  'corrective_action.due_tomorrow': { members: true, admins: false, auditor: false },
  'corrective_action.overdue': { members: true, admins: true, auditor: false },
  'corrective_action.responded': { members: false, admins: false, auditor: true },
  'corrective_action.verified': { members: true, admins: false, auditor: false },
  'corrective_action.rejected': { members: true, admins: false, auditor: false },
  'certificate.issued': { members: true, admins: true, auditor: false },
  'certificate.suspended': { members: true, admins: true, auditor: false },
  'certificate.reinstated': { members: true, admins: true, auditor: false },
  'certificate.revoked': { members: true, admins: true, auditor: false },
  'certificate.expiring_in_30_days': { members: true, admins: true, auditor: false },
  'certificate.expiring_in_7_days': { members: true, admins: true, auditor: false },
};

/** Who hears of the event: its kind's audience, or the part of it the event names (`only`). */
export function audienceOf(event: NotificationEvent): Audience {
  const audience = AUDIENCES[event.kind];
  const only = 'only' in event ? event.only : undefined;
  return only === undefined
    ? audience
    : { members: false, admins: false, auditor: false, [only]: audience[only] };
}

/** The visit of an audit, for its calendar invitation. */
export interface VisitFacts {
  readonly auditId: string;
  readonly version: number;
  readonly date: string;
  readonly location: string;
  readonly cancelled: boolean;
}

/** What an event is about, read with the caller's transaction at the time of the event. */
export interface EventSubject {
  readonly siteId: string;
  readonly organisationId: string;
  readonly auditorId: string | null;
  readonly facts: MessageFacts;
  /** The verification page or the API resource; none for whom it is no longer visible. */
  readonly link: string | null;
  readonly visit?: VisitFacts;
  /** The transaction's time, the messages' `created_at`: when the event is written. */
  readonly at: Date;
}

export class SubjectNotFoundError extends Error {
  constructor(event: NotificationEvent) {
    super(`Notification ${event.kind}: its subject does not exist (${JSON.stringify(event)})`);
  }
}

interface SiteRow {
  site_id: string;
  site_name: string;
  city: string;
  address: string;
  organisation_id: string;
  company: string;
  at: Date;
}

const COMMON_COLUMNS = `s.id AS site_id, s.name AS site_name, s.city, s.address,
  o.id AS organisation_id, o.name AS company, now() AS at`;

const siteFacts = (row: SiteRow) => ({ site: row.site_name, city: row.city, company: row.company });

/** The one row of what the event is about, which must still exist. */
async function subjectRow<Row extends SiteRow>(
  em: EntityManager,
  event: NotificationEvent,
  sql: string,
  parameters: unknown[],
): Promise<Row> {
  const [row] = await em.query<Row[]>(sql, parameters);
  if (!row) {
    throw new SubjectNotFoundError(event);
  }
  return row;
}

/** The subject of a row of a site: the site's and company's facts, then those of the kind. */
const subjectOf = (
  row: SiteRow,
  subject: Pick<EventSubject, 'auditorId' | 'link' | 'facts' | 'visit'>,
): EventSubject => ({
  siteId: row.site_id,
  organisationId: row.organisation_id,
  at: new Date(row.at),
  ...subject,
  facts: { ...siteFacts(row), ...subject.facts },
});

interface AuditRow extends SiteRow {
  id: string;
  type: string;
  planned_for: string;
  visited_on: string | null;
  auditor_id: string;
  auditor_name: string;
  score: number | null;
  cancel_reason: string | null;
  version: number;
  compliance_status: string | null;
  actions: { commitment: string; grade: string; dueAt: string }[] | null;
}

async function loadAudit(
  em: EntityManager,
  event: Extract<NotificationEvent, { auditId: string }>,
  api: string,
): Promise<EventSubject> {
  const closed = event.kind === 'audit.closed';
  const unassigned = event.kind === 'audit.unassigned';
  const row = await subjectRow<AuditRow>(
    em,
    event,
    `SELECT a.id, a.type, a.planned_for::text AS planned_for, a.visited_on::text AS visited_on,
            a.auditor_id, u.full_name AS auditor_name, a.score::float8 AS score, a.cancel_reason,
            a.version, ${COMMON_COLUMNS},
            CASE WHEN $2 THEN (SELECT c.status FROM site_compliance c WHERE c.site_id = a.site_id)
            END AS compliance_status,
            CASE WHEN $2 THEN (
              SELECT coalesce(json_agg(json_build_object('commitment', ca.commitment_code,
                       'grade', ca.grade, 'dueAt', ca.due_at)
                     ORDER BY ca.due_at, ca.commitment_code), '[]'::json)
                FROM corrective_action ca WHERE ca.audit_id = a.id)
            END AS actions
       FROM audit a
       JOIN site s ON s.id = a.site_id
       JOIN organisation o ON o.id = a.organisation_id
       JOIN app_user u ON u.id = a.auditor_id
      WHERE a.id = $1`,
    [event.auditId, closed],
  );
  // The former auditor is told of the date they were given, which their calendar holds.
  const visitDate = unassigned ? event.previousPlannedFor : row.planned_for;
  return subjectOf(row, {
    auditorId: unassigned ? event.previousAuditorId : row.auditor_id,
    // The audit is no longer visible to its former auditor.
    link: unassigned ? null : `${api}/audits/${row.id}`,
    facts: {
      auditor: row.auditor_name,
      auditType: row.type,
      date: closed ? (row.visited_on ?? row.planned_for) : visitDate,
      previousDate: event.kind === 'audit.rescheduled' ? event.previousPlannedFor : undefined,
      score: row.score,
      status: row.compliance_status,
      reason: row.cancel_reason,
      actions: (row.actions ?? []).map((a) => ({
        commitment: a.commitment,
        grade: a.grade,
        dueDate: calendarDate(new Date(a.dueAt)),
      })),
    },
    visit: closed
      ? undefined
      : {
          auditId: row.id,
          version: row.version,
          date: visitDate,
          location: [row.site_name, row.address, row.city].join(', '),
          cancelled: event.kind === 'audit.cancelled' || unassigned,
        },
  });
}

interface ActionRow extends SiteRow {
  id: string;
  commitment_code: string;
  grade: string;
  due_at: Date;
  finding_note: string;
  auditor_id: string;
  rejection: string | null;
}

async function loadCorrectiveAction(
  em: EntityManager,
  event: Extract<NotificationEvent, { correctiveActionId: string }>,
  api: string,
): Promise<EventSubject> {
  const row = await subjectRow<ActionRow>(
    em,
    event,
    `SELECT ca.id, ca.commitment_code, ca.grade, ca.due_at, ca.finding_note, a.auditor_id,
            ${COMMON_COLUMNS},
            CASE WHEN $2 THEN (
              SELECT r.review_comment FROM corrective_action_response r
               WHERE r.corrective_action_id = ca.id AND r.outcome = 'rejected'
               ORDER BY r.reviewed_at DESC LIMIT 1)
            END AS rejection
       FROM corrective_action ca
       JOIN audit a ON a.id = ca.audit_id
       JOIN site s ON s.id = ca.site_id
       JOIN organisation o ON o.id = ca.organisation_id
      WHERE ca.id = $1`,
    [event.correctiveActionId, event.kind === 'corrective_action.rejected'],
  );
  return subjectOf(row, {
    auditorId: row.auditor_id,
    link: `${api}/corrective-actions/${row.id}`,
    facts: {
      commitment: row.commitment_code,
      grade: row.grade,
      date: calendarDate(new Date(row.due_at)),
      note: row.finding_note,
      reason: row.rejection,
    },
  });
}

interface CertificateRow extends SiteRow {
  number: string;
  valid_until: string;
  revocation_reason: string | null;
}

async function loadCertificate(
  em: EntityManager,
  event: Extract<NotificationEvent, { certificateId: string }>,
  publicBaseUrl: string,
): Promise<EventSubject> {
  const row = await subjectRow<CertificateRow>(
    em,
    event,
    `SELECT c.number, c.valid_until::text AS valid_until, c.revocation_reason, ${COMMON_COLUMNS}
       FROM certificate c
       JOIN site s ON s.id = c.site_id
       JOIN organisation o ON o.id = c.organisation_id
      WHERE c.id = $1`,
    [event.certificateId],
  );
  return subjectOf(row, {
    auditorId: null,
    link: `${publicBaseUrl}/verify/${encodeURIComponent(row.number)}`,
    facts: {
      number: row.number,
      date: row.valid_until,
      reason: row.revocation_reason,
    },
  });
}

async function loadSite(
  em: EntityManager,
  event: Extract<NotificationEvent, { siteId: string }>,
  api: string,
): Promise<EventSubject> {
  const row = await subjectRow<SiteRow>(
    em,
    event,
    `SELECT ${COMMON_COLUMNS} FROM site s JOIN organisation o ON o.id = s.organisation_id
      WHERE s.id = $1`,
    [event.siteId],
  );
  return subjectOf(row, {
    auditorId: null,
    link: `${api}/sites/${row.site_id}/compliance`,
    facts: { date: event.validUntil },
  });
}

/** Reads what the event is about, in one statement. */
export function loadEventSubject(
  em: EntityManager,
  event: NotificationEvent,
  publicBaseUrl: string,
): Promise<EventSubject> {
  const api = `${publicBaseUrl}/api/v1`;
  if ('auditId' in event) {
    return loadAudit(em, event, api);
  }
  if ('correctiveActionId' in event) {
    return loadCorrectiveAction(em, event, api);
  }
  if ('certificateId' in event) {
    return loadCertificate(em, event, publicBaseUrl);
  }
  return loadSite(em, event, api);
}
