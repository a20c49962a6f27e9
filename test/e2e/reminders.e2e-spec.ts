import { addDays, calendarDate } from 'src/audits/calendar-date';
import { certificateExpiresAt } from 'src/certificates/certificate-validity';
import type { CertificateResponse } from 'src/certificates/certificates.dto';
import { runComplianceSweep } from 'src/compliance/run-compliance-sweep';
import { validateEnvironment } from 'src/config/environment';
import { CorrectiveAction } from 'src/corrective-actions/corrective-action.entity';
import type { Organisation } from 'src/members/organisation.entity';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import { NotificationDispatcher } from 'src/notifications/notification-dispatcher';
import {
  findDueReminders,
  REMINDER_SWEEP_JOB,
  ReminderSweep,
} from 'src/notifications/reminder-sweep';
import { formatDate } from 'src/notifications/render-message';
import {
  binder,
  CERTIFICATE_REMINDERS,
  CORRECTIVE_ACTION_REMINDERS,
  reminderDue,
  reminderDueSql,
  reminderKey,
  reminderKeySql,
} from 'src/notifications/reminder-windows';
import { SchedulerService } from 'src/scheduler/scheduler.service';
import { createTestApp, type TestApp } from '../app';
import { databaseUrl } from '../database';
import {
  apiCaller,
  givenCertifiableSite,
  givenClosedAudit,
  givenOrganisation,
  givenSite,
  givenUser,
  succeeding,
} from '../factories';
import { type CapturedMail, SmtpCapture } from '../smtp-capture';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const RESPONSE = 'Registre de nettoyage tenu à chaque rotation, affiché à l’entrée.';

const later = (at: Date, ms: number) => new Date(at.getTime() + ms);

describe('reminders', () => {
  let smtp: SmtpCapture;
  let t: TestApp;
  let adminEn: User;
  let auditor: User;
  let organisation: Organisation;
  let memberEn: User;
  let memberFr: User;
  let people: { admin: User; auditor: User };
  let admins: string[];

  const call = succeeding(apiCaller(() => t));

  const sweep = (at: Date) => t.app.get(ReminderSweep).sweep(at);
  /** Sends whatever the outbox holds through the SMTP server, and gives what it received. */
  const delivered = async (): Promise<CapturedMail[]> => {
    await t.app.get(NotificationDispatcher).dispatchOnce(500);
    const mails = [...smtp.messages];
    smtp.clear();
    return mails;
  };
  /**
   * What the SMTP server received about the site after a sweep at each instant (a sweep is not
   * confined to one site: the other tests' subjects come due too).
   */
  const sweptAbout = async (site: Site, ...instants: Date[]) => {
    for (const at of instants) {
      await sweep(at);
    }
    return (await delivered()).filter((m) => m.parsed.subject?.includes(site.name));
  };
  const recipients = (mails: readonly CapturedMail[]) => mails.flatMap((m) => m.to).sort();
  const addresses = (...users: User[]) => users.map((u) => u.email.toLowerCase()).sort();
  const members = () => addresses(memberEn, memberFr);
  const membersAndAdmins = () => [...members(), ...admins].sort();
  const subjectTo = (mails: readonly CapturedMail[], user: User) => {
    const found = mails.filter((m) => m.to.includes(user.email.toLowerCase()));
    expect(found).toHaveLength(1);
    return found[0].parsed.subject ?? '';
  };
  const onceKeysOf = async (subjectId: string) =>
    (
      await t.db.query<{ once_key: string; n: number }[]>(
        `SELECT once_key, count(*)::int AS n FROM notification
          WHERE once_key LIKE '%' || $1 || '%' GROUP BY once_key ORDER BY min(created_at)`,
        [subjectId],
      )
    ).map((r) => `${r.once_key} ×${r.n}`);

  const actionOf = (auditId: string, code: string) =>
    t.db.getRepository(CorrectiveAction).findOneByOrFail({ auditId, commitmentCode: code });
  /** The subjects of the reminders a sweep at `at` would load. */
  const dueAbout = async (at: Date) =>
    (await findDueReminders(t.db.manager, at)).map((r) => r.subject.id);
  const recorded = async (subjectId: string) =>
    (
      await t.db.query<{ once_key: string }[]>(
        `SELECT once_key FROM reminder_sent WHERE once_key LIKE '%' || $1 || '%'
          ORDER BY created_at, once_key`,
        [subjectId],
      )
    ).map((r) => r.once_key);

  /** A site of the company whose closed audit opened one corrective action on `code`. */
  const siteWithAction = async (
    code: string,
    grade: 'minor_nc' | 'major_nc',
    company: Organisation = organisation,
  ) => {
    const site = await givenSite(t.db, company);
    const { audit } = await givenClosedAudit(t, site, people, { [code]: grade });
    const action = await actionOf(audit.id, code);
    await delivered();
    return { site, action };
  };

  beforeAll(async () => {
    smtp = await SmtpCapture.start();
    t = await createTestApp({ env: { SMTP_URL: smtp.url } });
    adminEn = await givenUser(t.db, 'admin', { preferredLanguage: 'en' });
    await givenUser(t.db, 'admin');
    auditor = await givenUser(t.db, 'auditor');
    people = { admin: adminEn, auditor };
    organisation = await givenOrganisation(t.db);
    memberEn = await givenUser(t.db, 'member', {
      organisationId: organisation.id,
      preferredLanguage: 'en',
    });
    memberFr = await givenUser(t.db, 'member', { organisationId: organisation.id });
    admins = (
      await t.db.query<{ email: string }[]>(
        `SELECT lower(email) AS email FROM app_user WHERE role = 'admin' AND disabled_at IS NULL`,
      )
    ).map((r) => r.email);
  });

  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  describe('of corrective actions', () => {
    it('sends the 7-day, the 1-day and the overdue reminders once each as the clock moves on', async () => {
      const { site, action } = await siteWithAction('E03', 'minor_nc');
      const due = action.dueAt;
      const dueDate = calendarDate(due);

      expect(await sweptAbout(site, later(action.openedAt, HOUR), later(due, -8 * DAY))).toEqual(
        [],
      );

      let mails = await sweptAbout(site, later(due, -6 * DAY));
      expect(recipients(mails)).toEqual(members());
      expect(subjectTo(mails, memberEn)).toContain(
        `Corrective action due by ${formatDate(dueDate, 'en')}`,
      );
      expect(subjectTo(mails, memberFr)).toContain(formatDate(dueDate, 'fr'));
      expect(subjectTo(mails, memberFr)).toContain(organisation.name);
      expect(mails.every((m) => m.parsed.text?.includes('E03'))).toBe(true);
      // Again at the same instant, and later in the same window: nothing more.
      expect(
        await sweptAbout(site, later(due, -6 * DAY), later(due, -2 * DAY), later(due, -DAY - 1)),
      ).toEqual([]);

      mails = await sweptAbout(site, later(due, -12 * HOUR));
      expect(recipients(mails)).toEqual(members());
      expect(subjectTo(mails, memberEn)).toContain(
        `Corrective action due tomorrow (${formatDate(dueDate, 'en')})`,
      );
      expect(subjectTo(mails, memberFr)).toContain('demain');
      expect(await sweptAbout(site, later(due, -12 * HOUR), later(due, -HOUR))).toEqual([]);

      mails = await sweptAbout(site, later(due, HOUR));
      expect(recipients(mails)).toEqual(membersAndAdmins());
      expect(subjectTo(mails, adminEn)).toContain(
        `Corrective action overdue since ${formatDate(dueDate, 'en')}`,
      );
      expect(subjectTo(mails, memberFr)).toContain('en retard');
      expect(subjectTo(mails, memberFr)).toContain(site.name);
      expect(await sweptAbout(site, later(due, HOUR), later(due, 30 * DAY))).toEqual([]);

      const iso = due.toISOString();
      expect(await onceKeysOf(action.id)).toEqual([
        `corrective_action.due_in_7_days:${action.id}:${iso} ×2`,
        `corrective_action.due_tomorrow:${action.id}:${iso} ×2`,
        `corrective_action.overdue:${action.id}:${iso} ×${membersAndAdmins().length}`,
      ]);
      expect(await recorded(action.id)).toEqual([
        `corrective_action.due_in_7_days:${action.id}:${iso}`,
        `corrective_action.due_tomorrow:${action.id}:${iso}`,
        `corrective_action.overdue:${action.id}:${iso}`,
      ]);
      // The action stays open and overdue, but its reminder is recorded: no sweep loads it again.
      expect(await dueAbout(later(due, 90 * DAY))).not.toContain(action.id);
    });

    it('skips the 7-day reminder of a major NC (the closing message named its deadline)', async () => {
      const { site, action } = await siteWithAction('E07', 'major_nc');
      const due = action.dueAt;
      expect(await sweptAbout(site, later(action.openedAt, HOUR), later(due, -3 * DAY))).toEqual(
        [],
      );
      const tomorrow = await sweptAbout(site, later(due, -2 * HOUR));
      expect(recipients(tomorrow)).toEqual(members());
      const overdue = await sweptAbout(site, later(due, 2 * HOUR));
      expect(recipients(overdue)).toEqual(membersAndAdmins());
    });

    it('reminds of nothing while a response is under review, and of the overdue action once rejected', async () => {
      const { site, action } = await siteWithAction('E11', 'minor_nc');
      const due = action.dueAt;
      await call(memberFr, 'POST', `/corrective-actions/${action.id}/response`, {
        description: RESPONSE,
      });
      await delivered(); // the auditor is told of the response
      expect(await sweptAbout(site, later(due, -6 * DAY), later(due, 2 * DAY))).toEqual([]);
      await call(auditor, 'POST', `/corrective-actions/${action.id}/reject`, {
        comment: 'Le registre ne couvre pas l’équipe de nuit.',
      });
      const rejected = (await delivered()).filter((m) => m.parsed.subject?.includes(site.name));
      expect(recipients(rejected)).toEqual(members());
      const overdue = await sweptAbout(site, later(due, 2 * DAY));
      expect(recipients(overdue)).toEqual(membersAndAdmins());
      expect(subjectTo(overdue, memberEn)).toContain('overdue');
    });

    it('records a reminder that reaches no one (all muted it, or no active member) and loads it no more', async () => {
      const quiet = await givenOrganisation(t.db);
      await givenUser(t.db, 'member', {
        organisationId: quiet.id,
        mutedNotificationKinds: ['corrective_action.due_in_7_days'],
      });
      const muted = await siteWithAction('E04', 'minor_nc', quiet);
      const nobody = await siteWithAction('E06', 'minor_nc', await givenOrganisation(t.db));

      // Both in their 7-day window: a sweep is not confined to one subject.
      const at = later(muted.action.dueAt, -5 * DAY);
      expect(await dueAbout(at)).toEqual(
        expect.arrayContaining([muted.action.id, nobody.action.id]),
      );
      expect(await sweptAbout(muted.site, at)).toEqual([]);
      for (const { action } of [muted, nobody]) {
        expect(await onceKeysOf(action.id)).toEqual([]);
        expect(await recorded(action.id)).toEqual([
          `corrective_action.due_in_7_days:${action.id}:${action.dueAt.toISOString()}`,
        ]);
        expect(await dueAbout(at)).not.toContain(action.id);
        expect(await dueAbout(later(action.dueAt, -2 * DAY))).not.toContain(action.id);
        // The next window is another reminder.
        expect(await dueAbout(later(action.dueAt, -HOUR))).toContain(action.id);
      }
    });

    it('writes each reminder once when two sweeps run at once', async () => {
      const { site, action } = await siteWithAction('E12', 'minor_nc');
      const at = later(action.dueAt, -5 * DAY);
      const outcomes = await Promise.all([sweep(at), sweep(at)]);
      expect(outcomes.map((o) => o.failed)).toEqual([0, 0]);
      const mails = await sweptAbout(site);
      expect(recipients(mails)).toEqual(members());
      expect(await onceKeysOf(action.id)).toEqual([
        `corrective_action.due_in_7_days:${action.id}:${action.dueAt.toISOString()} ×2`,
      ]);
      expect(await sweep(at)).toMatchObject({ messages: 0 });
    });
  });

  describe('of certificates and surveillance audits', () => {
    it('foretells the end of a certificate 30 and 7 days before, and the surveillance audit due, once each', async () => {
      const site = await givenCertifiableSite(t, people, organisation);
      const certificate = (
        await call(adminEn, 'POST', `/sites/${site.id}/certificates`)
      ).json<CertificateResponse>();
      await delivered();
      const end = certificateExpiresAt(certificate.validUntil);
      const lastDay = certificate.validUntil;

      expect(await sweptAbout(site, later(end, -31 * DAY))).toEqual([]);

      const mails = await sweptAbout(site, later(end, -20 * DAY));
      const expiring = mails.filter((m) => m.parsed.subject?.includes(certificate.number));
      const surveillance = mails.filter((m) => !m.parsed.subject?.includes(certificate.number));
      expect(recipients(expiring)).toEqual(membersAndAdmins());
      expect(recipients(surveillance)).toEqual(membersAndAdmins());
      expect(subjectTo(expiring, memberEn)).toBe(
        `Certificate ${certificate.number} valid until ${formatDate(lastDay, 'en')}: ` +
          `${site.name} (${organisation.name})`,
      );
      expect(subjectTo(expiring, memberFr)).toContain(formatDate(lastDay, 'fr'));
      expect(subjectTo(surveillance, memberEn)).toContain('Surveillance audit due');
      expect(subjectTo(surveillance, memberEn)).toContain(formatDate(lastDay, 'en'));
      expect(subjectTo(surveillance, memberFr)).toContain('Audit de surveillance');
      expect(await sweptAbout(site, later(end, -20 * DAY), later(end, -8 * DAY))).toEqual([]);

      const week = await sweptAbout(site, later(end, -3 * DAY));
      expect(recipients(week)).toEqual(membersAndAdmins());
      expect(subjectTo(week, memberEn)).toBe(
        `Certificate ${certificate.number} valid until ${formatDate(lastDay, 'en')}, ` +
          `expiring within 7 days: ${site.name} (${organisation.name})`,
      );
      expect(await sweptAbout(site, later(end, -3 * DAY), later(end, -HOUR))).toEqual([]);

      const [{ id }] = await t.db.query<{ id: string }[]>(
        'SELECT id FROM certificate WHERE number = $1',
        [certificate.number],
      );
      const n = membersAndAdmins().length;
      expect(await onceKeysOf(id)).toEqual([
        `certificate.expiring_in_30_days:${id}:${end.toISOString()} ×${n}`,
        `certificate.expiring_in_7_days:${id}:${end.toISOString()} ×${n}`,
      ]);
      expect(await onceKeysOf(site.id)).toEqual([
        `audit.surveillance_due:${site.id}:${lastDay} ×${n}`,
      ]);
      expect(await recorded(id)).toEqual([
        `certificate.expiring_in_30_days:${id}:${end.toISOString()}`,
        `certificate.expiring_in_7_days:${id}:${end.toISOString()}`,
      ]);
      expect(await recorded(site.id)).toEqual([`audit.surveillance_due:${site.id}:${lastDay}`]);
      const loaded = await dueAbout(later(end, -HOUR));
      expect(loaded).not.toContain(id);
      expect(loaded).not.toContain(site.id);
    });

    it('does not call for a surveillance audit already planned', async () => {
      const site = await givenSite(t.db, organisation);
      const { visitedOn } = await givenClosedAudit(t, site, people);
      const [{ valid_until: validUntil }] = await t.db.query<{ valid_until: string }[]>(
        'SELECT valid_until::text FROM site_compliance WHERE site_id = $1',
        [site.id],
      );
      expect(validUntil > visitedOn).toBe(true);
      await call(adminEn, 'POST', '/audits', {
        siteId: site.id,
        type: 'surveillance',
        plannedFor: addDays(calendarDate(new Date()), 30),
        auditorId: auditor.id,
      });
      await delivered();
      const end = certificateExpiresAt(validUntil);
      expect(await sweptAbout(site, later(end, -10 * DAY))).toEqual([]);
    });
  });

  it('finds in SQL the window reminderDue finds, and writes its key as reminderKey does', async () => {
    const deadline = new Date('2030-03-12T10:00:00.123Z');
    const offsets = [-31 * DAY, -30 * DAY, -20 * DAY, -7 * DAY - 1, -7 * DAY, -3 * DAY];
    offsets.push(-DAY - 1, -DAY, -DAY + 1, -HOUR, -1, 0, 1, 40 * DAY);
    for (const schedule of [CORRECTIVE_ACTION_REMINDERS, CERTIFICATE_REMINDERS]) {
      for (const offset of offsets) {
        const at = later(deadline, offset);
        const values: unknown[] = [deadline];
        const sql = reminderDueSql(schedule, '$1::timestamptz', at, binder(values));
        const [{ kind }] = await t.db.query<{ kind: string | null }[]>(
          `SELECT ${sql} AS kind`,
          values,
        );
        expect([offset, kind]).toEqual([offset, reminderDue(schedule, deadline, at)]);
      }
    }
    // A deadline to the microsecond, as `now() + interval` writes it: both keep the millisecond.
    const [row] = await t.db.query<{ due: Date; key: string }[]>(
      `SELECT $1::timestamptz AS due,
              ${reminderKeySql("'corrective_action.overdue'", "'x'", { instant: '$1::timestamptz' })} AS key`,
      ['2030-03-12T10:00:00.123987Z'],
    );
    expect(row.key).toBe(reminderKey('corrective_action.overdue', 'x', row.due));
    expect(row.key).toBe('corrective_action.overdue:x:2030-03-12T10:00:00.123Z');
  });

  it('runs as a scheduled job, once its window is reached', async () => {
    const { site, action } = await siteWithAction('E14', 'minor_nc');
    // Eleven hours before its deadline, opened long before.
    await t.db.query(
      `UPDATE corrective_action
          SET opened_at = now() - interval '20 days', due_at = now() + interval '11 hours'
        WHERE id = $1`,
      [action.id],
    );
    const scheduler = t.app.get(SchedulerService);
    expect(await scheduler.runNow(REMINDER_SWEEP_JOB)).toBe('completed');
    const mails = (await delivered()).filter((m) => m.parsed.subject?.includes(site.name));
    expect(recipients(mails)).toEqual(members());
    expect(subjectTo(mails, memberEn)).toContain('due tomorrow');
    expect(await scheduler.runNow(REMINDER_SWEEP_JOB)).toBe('completed');
    expect((await delivered()).filter((m) => m.parsed.subject?.includes(site.name))).toEqual([]);
    // Its deadline has microseconds, its key milliseconds: the sweep's query still finds the record.
    expect(await dueAbout(new Date())).not.toContain(action.id);
  });

  it('is run by npm run compliance:sweep as of --at', async () => {
    const { site, action } = await siteWithAction('E15', 'minor_nc');
    const at = later(action.dueAt, -3 * DAY);
    const outcome = await runComplianceSweep(
      validateEnvironment({ ...process.env, DATABASE_URL: databaseUrl(t.databaseName) }),
      at,
    );
    expect(outcome.reminders.failed).toBe(0);
    expect(outcome.reminders.messages).toBeGreaterThanOrEqual(2);
    expect(await onceKeysOf(action.id)).toEqual([
      `corrective_action.due_in_7_days:${action.id}:${action.dueAt.toISOString()} ×2`,
    ]);
    expect(recipients(await sweptAbout(site))).toEqual(members());
    expect(await sweep(at)).toMatchObject({ due: 0, messages: 0 });
  });
});
