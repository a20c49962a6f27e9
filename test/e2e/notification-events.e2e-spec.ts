import ICAL from 'ical.js';
import type { ParsedMail } from 'mailparser';
import { addDays, calendarDate } from 'src/audits/calendar-date';
import type { CertificateResponse } from 'src/certificates/certificates.dto';
import { compactUtcStamp } from 'src/common/time';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { CorrectiveAction } from 'src/corrective-actions/corrective-action.entity';
import type { Organisation } from 'src/members/organisation.entity';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import { NotificationDispatcher } from 'src/notifications/notification-dispatcher';
import type { StoredAttachment } from 'src/notifications/notification.entity';
import { NotificationsService } from 'src/notifications/notifications.service';
import { formatDate, formatScore, LINE_VALUE_MAX } from 'src/notifications/render-message';
import { createTestApp, type TestApp } from '../app';
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

const CANCEL_REASON = 'Site fermé pour travaux de désinfection.';
const RESPONSE = 'Registre de nettoyage tenu à chaque rotation, affiché à l’entrée.';
const REJECTION = 'Le registre ne couvre pas l’équipe de nuit.';
const SUSPENSION = 'Cas groupés signalés par la délégation de santé.';
const LIFT = 'Désinfection complète constatée par l’auditeur.';
const REVOCATION = 'Fausse déclaration constatée lors d’un contrôle inopiné.';

type Language = 'fr' | 'en';

/** Words of each kind's subject in each language, beside the site, company and date. */
const SUBJECT_WORDS: Record<string, Record<Language, string>> = {
  'audit.planned': { en: 'Audit planned on', fr: 'Audit planifié le' },
  'audit.rescheduled': { en: 'Audit moved to', fr: 'Audit reporté au' },
  'audit.cancelled': { en: 'cancelled', fr: 'annulé' },
  'audit.unassigned': { en: 'given to another auditor', fr: 'confié à un autre auditeur' },
  'audit.closed': { en: 'Audit closed', fr: 'Audit clôturé' },
  'corrective_action.responded': { en: 'Response to verify', fr: 'Réponse à vérifier' },
  'corrective_action.verified': {
    en: 'Corrective action verified',
    fr: 'Action corrective validée',
  },
  'corrective_action.rejected': { en: 'Response rejected', fr: 'Réponse refusée' },
  'certificate.issued': { en: 'issued', fr: 'délivré' },
  'certificate.suspended': { en: 'suspended', fr: 'suspendu' },
  'certificate.reinstated': { en: 'valid again', fr: 'de nouveau valable' },
  'certificate.revoked': { en: 'revoked', fr: 'révoqué' },
};

describe('notifications of changes', () => {
  let smtp: SmtpCapture;
  let t: TestApp;
  let baseUrl: string;
  let adminEn: User;
  let adminFr: User;
  let auditor: User;
  let otherAuditor: User;
  let organisation: Organisation;
  let memberEn: User;
  let memberFr: User;
  let disabledMember: User;
  let outsider: User;
  let people: { admin: User; auditor: User };
  /** The administrator the application creates on its first start. */
  let firstAdmins: string[];
  const today = calendarDate(new Date());

  const call = apiCaller(() => t);
  const ok = succeeding(call);

  const recipients = (mails: readonly CapturedMail[]) => mails.flatMap((m) => m.to).sort();
  /** Sends whatever the outbox holds through the SMTP server, and gives what it received. */
  const delivered = async (): Promise<CapturedMail[]> => {
    await t.app.get(NotificationDispatcher).dispatchOnce(500);
    const mails = [...smtp.messages];
    smtp.clear();
    // Never a disabled user nor another company's member, whatever the event.
    expect(recipients(mails)).not.toContain(disabledMember.email.toLowerCase());
    expect(recipients(mails)).not.toContain(outsider.email.toLowerCase());
    return mails;
  };
  /** Forgets what earlier steps sent (a closing audit tells the members, for one). */
  const settle = async () => {
    await delivered();
  };
  const addresses = (...users: User[]) => users.map((u) => u.email.toLowerCase()).sort();
  /** The one message to the user. */
  const to = (mails: readonly CapturedMail[], user: User): ParsedMail => {
    const found = mails.filter((m) => m.to.includes(user.email.toLowerCase()));
    expect(found).toHaveLength(1);
    return found[0].parsed;
  };

  /**
   * The user's message is of the kind, in the language, and names the site, the company and the
   * date (in that language), in its subject and in both its parts.
   */
  const expectMessage = (
    mail: ParsedMail,
    kind: string,
    language: Language,
    facts: { site: Site; date?: string; also?: string[] },
  ) => {
    const subject = mail.subject ?? '';
    expect(subject).toContain(SUBJECT_WORDS[kind][language]);
    expect(subject).toContain(facts.site.name);
    expect(subject).toContain(organisation.name);
    const text = mail.text ?? '';
    const html = typeof mail.html === 'string' ? mail.html : '';
    for (const part of [text, html]) {
      expect(part).toContain(facts.site.name);
      expect(part).toContain(facts.site.city);
    }
    expect(text).toContain(organisation.name);
    if (facts.date) {
      expect(`${subject}\n${text}`).toContain(formatDate(facts.date, language));
    }
    for (const fragment of facts.also ?? []) {
      expect(text).toContain(fragment);
    }
  };

  /** The calendar part of a message (`text/calendar`, which calendar clients act on). */
  const calendarPart = (mail: ParsedMail) => {
    const parts = mail.attachments.filter((a) => a.contentType === 'text/calendar');
    expect(parts).toHaveLength(1);
    return parts[0].content.toString('utf8');
  };
  /**
   * The calendar of the user's message, parsed by ical.js: its method and its one event, which
   * names the user as its one attendee. The same calendar is attached as a file.
   */
  const calendarOf = (mail: ParsedMail, user: User) => {
    const ics = calendarPart(mail);
    const files = mail.attachments.filter((a) => a.filename?.endsWith('.ics'));
    expect(files.map((f) => f.content.toString('utf8'))).toEqual([ics]);
    const calendar = new ICAL.Component(ICAL.parse(ics));
    const event = calendar.getFirstSubcomponent('vevent');
    expect(event).not.toBeNull();
    expect(files[0].filename).toBe(
      calendar.getFirstPropertyValue('method') === 'CANCEL' ? 'annulation.ics' : 'invitation.ics',
    );
    const start = event!.getFirstPropertyValue('dtstart') as ICAL.Time;
    const attendees = event!.getAllProperties('attendee').map((a) => a.getFirstValue());
    expect(attendees).toEqual([`mailto:${user.email.toLowerCase()}`]);
    return {
      method: calendar.getFirstPropertyValue('method'),
      uid: event!.getFirstPropertyValue('uid'),
      sequence: Number(event!.getFirstPropertyValue('sequence')),
      status: event!.getFirstPropertyValue('status'),
      start: start.toString(),
      allDay: start.isDate,
    };
  };

  /** The visit of the audit on `start` as {@link calendarOf} reads it: invited to, or cancelled. */
  const visit = (
    auditId: string,
    method: 'REQUEST' | 'CANCEL',
    sequence: number,
    start: string,
  ) => ({
    method,
    uid: expect.stringContaining(auditId),
    sequence,
    status: method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED',
    start,
    allDay: true,
  });
  /** Each member's message of the kind, in their language, naming the same facts. */
  const expectMembersMessage = (
    mails: readonly CapturedMail[],
    kind: string,
    facts: Parameters<typeof expectMessage>[3],
  ) => {
    expectMessage(to(mails, memberEn), kind, 'en', facts);
    expectMessage(to(mails, memberFr), kind, 'fr', facts);
  };
  /** The members' messages of an audit moved from `first` to `moved`, with its new invitation. */
  const expectMoved = (
    mails: readonly CapturedMail[],
    site: Site,
    first: string,
    moved: string,
    auditId: string,
  ) => {
    for (const [user, language] of [
      [memberEn, 'en'],
      [memberFr, 'fr'],
    ] as const) {
      const mail = to(mails, user);
      expectMessage(mail, 'audit.rescheduled', language, { site, date: moved });
      expect(mail.text).toContain(formatDate(first, language));
      expect(calendarOf(mail, user)).toEqual(visit(auditId, 'REQUEST', 2, moved));
    }
  };

  const planAudit = async (site: Site, plannedFor: string, by: User = auditor) =>
    (
      await ok(adminEn, 'POST', '/audits', {
        siteId: site.id,
        type: 'initial',
        plannedFor,
        auditorId: by.id,
      })
    ).json<{ id: string; version: number }>();

  const actionOf = (auditId: string, code: string) =>
    t.db.getRepository(CorrectiveAction).findOneByOrFail({ auditId, commitmentCode: code });
  const dueDateOf = (action: CorrectiveAction) => calendarDate(action.dueAt);

  beforeAll(async () => {
    smtp = await SmtpCapture.start();
    t = await createTestApp({ env: { SMTP_URL: smtp.url } });
    baseUrl = t.app.get<AppConfig>(appConfig.KEY).publicBaseUrl;
    firstAdmins = (
      await t.db.query<{ email: string }[]>(
        `SELECT lower(email) AS email FROM app_user WHERE role = 'admin' AND disabled_at IS NULL`,
      )
    ).map((r) => r.email);
    adminEn = await givenUser(t.db, 'admin', { preferredLanguage: 'en' });
    adminFr = await givenUser(t.db, 'admin');
    auditor = await givenUser(t.db, 'auditor');
    otherAuditor = await givenUser(t.db, 'auditor', { preferredLanguage: 'en' });
    people = { admin: adminEn, auditor };
    organisation = await givenOrganisation(t.db);
    memberEn = await givenUser(t.db, 'member', {
      organisationId: organisation.id,
      preferredLanguage: 'en',
    });
    memberFr = await givenUser(t.db, 'member', { organisationId: organisation.id });
    disabledMember = await givenUser(t.db, 'member', {
      organisationId: organisation.id,
      preferredLanguage: 'en',
      disabledAt: new Date(),
    });
    const otherOrganisation = await givenOrganisation(t.db);
    outsider = await givenUser(t.db, 'member', { organisationId: otherOrganisation.id });
  });

  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  describe('audits', () => {
    it('tells the auditor and the site’s members of a planned audit, with a calendar invitation', async () => {
      const site = await givenSite(t.db, organisation);
      const plannedFor = addDays(today, 20);
      await settle();
      const audit = await planAudit(site, plannedFor);

      const mails = await delivered();
      expect(recipients(mails)).toEqual(addresses(auditor, memberEn, memberFr));
      expectMembersMessage(mails, 'audit.planned', { site, date: plannedFor });
      expectMessage(to(mails, auditor), 'audit.planned', 'fr', { site, date: plannedFor });
      expect(to(mails, memberEn).text).toContain(`${baseUrl}/api/v1/audits/${audit.id}`);
      for (const user of [auditor, memberEn, memberFr]) {
        expect(calendarOf(to(mails, user), user)).toEqual(
          visit(audit.id, 'REQUEST', 1, plannedFor),
        );
      }
    });

    it('sends a new invitation for the same event when the audit is moved, naming both dates', async () => {
      const site = await givenSite(t.db, organisation);
      const first = addDays(today, 20);
      const moved = addDays(today, 27);
      const audit = await planAudit(site, first);
      await settle();
      await ok(adminEn, 'PATCH', `/audits/${audit.id}`, { plannedFor: moved });

      const mails = await delivered();
      expect(recipients(mails)).toEqual(addresses(auditor, memberEn, memberFr));
      expectMoved(mails, site, first, moved, audit.id);
    });

    it('cancels the visit for the former auditor and invites the new one when the audit changes hands', async () => {
      const site = await givenSite(t.db, organisation);
      const plannedFor = addDays(today, 15);
      const audit = await planAudit(site, plannedFor);
      await settle();
      await ok(adminEn, 'PATCH', `/audits/${audit.id}`, { auditorId: otherAuditor.id });

      // The date is the same: the members' calendars hold the visit as it is.
      const mails = await delivered();
      expect(recipients(mails)).toEqual(addresses(auditor, otherAuditor));
      const former = to(mails, auditor);
      expect(former.subject).toContain(SUBJECT_WORDS['audit.unassigned'].fr);
      expectMessage(former, 'audit.unassigned', 'fr', {
        site,
        date: plannedFor,
        also: [otherAuditor.fullName],
      });
      expect(former.text).not.toContain(`/audits/${audit.id}`);
      expect(calendarOf(former, auditor)).toEqual(visit(audit.id, 'CANCEL', 2, plannedFor));
      const added = to(mails, otherAuditor);
      expectMessage(added, 'audit.planned', 'en', { site, date: plannedFor });
      expect(calendarOf(added, otherAuditor)).toEqual({
        ...visit(audit.id, 'REQUEST', 2, plannedFor),
        uid: calendarOf(former, auditor).uid,
      });
    });

    it('also moves the visit for the members when the audit changes hands and date at once', async () => {
      const site = await givenSite(t.db, organisation);
      const first = addDays(today, 16);
      const moved = addDays(today, 23);
      const audit = await planAudit(site, first);
      await settle();
      await ok(adminEn, 'PATCH', `/audits/${audit.id}`, {
        auditorId: otherAuditor.id,
        plannedFor: moved,
      });

      const mails = await delivered();
      expect(recipients(mails)).toEqual(addresses(auditor, otherAuditor, memberEn, memberFr));
      // The former auditor's calendar holds the first date: that is the visit cancelled.
      const former = to(mails, auditor);
      expectMessage(former, 'audit.unassigned', 'fr', { site, date: first });
      expect(calendarOf(former, auditor)).toEqual(visit(audit.id, 'CANCEL', 2, first));
      const added = to(mails, otherAuditor);
      expectMessage(added, 'audit.planned', 'en', { site, date: moved });
      expect(calendarOf(added, otherAuditor)).toEqual(visit(audit.id, 'REQUEST', 2, moved));
      expectMoved(mails, site, first, moved, audit.id);
    });

    it('writes nothing when the audit is not moved (same values) or the change is refused', async () => {
      const site = await givenSite(t.db, organisation);
      const plannedFor = addDays(today, 12);
      const audit = await planAudit(site, plannedFor);
      await settle();
      await ok(adminEn, 'PATCH', `/audits/${audit.id}`, { plannedFor });
      const refused = await call(adminEn, 'POST', '/audits', {
        siteId: site.id,
        type: 'initial',
        plannedFor,
        auditorId: auditor.id,
      });
      expect(refused.statusCode).toBe(409);
      expect(await delivered()).toEqual([]);
      const [{ count }] = await t.db.query<{ count: number }[]>(
        `SELECT count(*)::int AS count FROM notification WHERE site_id = $1`,
        [site.id],
      );
      expect(count).toBe(3);
    });

    it('cancels the visit in the calendars of the auditor and the members', async () => {
      const site = await givenSite(t.db, organisation);
      const plannedFor = addDays(today, 9);
      const audit = await planAudit(site, plannedFor);
      await settle();
      await ok(adminEn, 'POST', `/audits/${audit.id}/cancel`, { reason: CANCEL_REASON });

      const mails = await delivered();
      expect(recipients(mails)).toEqual(addresses(auditor, memberEn, memberFr));
      expectMessage(to(mails, memberEn), 'audit.cancelled', 'en', {
        site,
        date: plannedFor,
        also: [CANCEL_REASON],
      });
      expectMessage(to(mails, memberFr), 'audit.cancelled', 'fr', { site, date: plannedFor });
      for (const user of [auditor, memberEn, memberFr]) {
        expect(calendarOf(to(mails, user), user)).toEqual(visit(audit.id, 'CANCEL', 2, plannedFor));
      }
    });

    it('tells the site’s members of a closed audit: score, status, corrective actions and deadlines', async () => {
      const site = await givenSite(t.db, organisation);
      await settle();
      const { audit, visitedOn } = await givenClosedAudit(t, site, people, {
        E03: 'minor_nc',
        E07: 'major_nc',
      });
      const e03 = await actionOf(audit.id, 'E03');
      const e07 = await actionOf(audit.id, 'E07');

      const mails = await delivered();
      expect(recipients(mails)).toEqual(addresses(memberEn, memberFr));
      const [{ score }] = await t.db.query<{ score: number }[]>(
        'SELECT score::float8 AS score FROM audit WHERE id = $1',
        [audit.id],
      );
      const en = to(mails, memberEn);
      expectMessage(en, 'audit.closed', 'en', {
        site,
        date: visitedOn,
        also: ['E03', 'E07', formatDate(dueDateOf(e03), 'en'), formatDate(dueDateOf(e07), 'en')],
      });
      expect(en.text).toMatch(/non-compliant|conditionally compliant/);
      expect(en.subject).toContain(formatScore(score, 'en'));
      const fr = to(mails, memberFr);
      expectMessage(fr, 'audit.closed', 'fr', {
        site,
        also: ['E03', 'E07', formatDate(dueDateOf(e03), 'fr'), formatDate(dueDateOf(e07), 'fr')],
      });
      expect(fr.subject).toContain(formatScore(score, 'fr'));
      expect(en.attachments).toEqual([]);
    });
  });

  describe('corrective actions', () => {
    it('tells the auditor of a response, then the members of its verification', async () => {
      const site = await givenSite(t.db, organisation);
      const { audit } = await givenClosedAudit(t, site, people, { E05: 'minor_nc' });
      const action = await actionOf(audit.id, 'E05');
      await settle();

      await ok(memberEn, 'POST', `/corrective-actions/${action.id}/response`, {
        description: RESPONSE,
      });
      let mails = await delivered();
      expect(recipients(mails)).toEqual(addresses(auditor));
      expectMessage(to(mails, auditor), 'corrective_action.responded', 'fr', {
        site,
        date: dueDateOf(action),
        also: ['E05'],
      });
      expect(to(mails, auditor).text).toContain(
        `${baseUrl}/api/v1/corrective-actions/${action.id}`,
      );

      await ok(auditor, 'POST', `/corrective-actions/${action.id}/verify`, {});
      mails = await delivered();
      expect(recipients(mails)).toEqual(addresses(memberEn, memberFr));
      expectMembersMessage(mails, 'corrective_action.verified', {
        site,
        also: ['E05'],
      });
    });

    it('tells the members of a rejected response, with the comment and the deadline', async () => {
      const site = await givenSite(t.db, organisation);
      const { audit } = await givenClosedAudit(t, site, people, { E09: 'major_nc' });
      const action = await actionOf(audit.id, 'E09');
      await ok(memberFr, 'POST', `/corrective-actions/${action.id}/response`, {
        description: RESPONSE,
      });
      await settle();

      await ok(auditor, 'POST', `/corrective-actions/${action.id}/reject`, { comment: REJECTION });
      const mails = await delivered();
      expect(recipients(mails)).toEqual(addresses(memberEn, memberFr));
      expectMembersMessage(mails, 'corrective_action.rejected', {
        site,
        date: dueDateOf(action),
        also: ['E09', REJECTION],
      });
    });
  });

  describe('certificates', () => {
    const issue = async (site: Site) =>
      (await ok(adminEn, 'POST', `/sites/${site.id}/certificates`)).json<CertificateResponse>();
    const admins = () => [...addresses(adminEn, adminFr), ...firstAdmins].sort();
    const everyone = () => [...admins(), ...addresses(memberEn, memberFr)].sort();

    it('tells the members and the administrators of an issued certificate, with its verification page', async () => {
      const site = await givenCertifiableSite(t, people, organisation);
      await settle();
      const certificate = await issue(site);

      const mails = await delivered();
      expect(recipients(mails)).toEqual(everyone());
      for (const [user, language] of [
        [memberEn, 'en'],
        [memberFr, 'fr'],
        [adminEn, 'en'],
        [adminFr, 'fr'],
      ] as const) {
        const mail = to(mails, user);
        expectMessage(mail, 'certificate.issued', language, {
          site,
          date: certificate.validUntil,
          also: [certificate.number],
        });
        expect(mail.subject).toContain(certificate.number);
        expect(mail.text).toContain(`${baseUrl}/verify/${certificate.number}`);
      }
    });

    it('tells them of the suspension that follows the site’s, and of the reinstatement', async () => {
      const site = await givenCertifiableSite(t, people, organisation);
      const certificate = await issue(site);
      await settle();

      await ok(adminEn, 'POST', `/sites/${site.id}/suspension`, { reason: SUSPENSION });
      let mails = await delivered();
      expect(recipients(mails)).toEqual(everyone());
      expectMessage(to(mails, memberEn), 'certificate.suspended', 'en', {
        site,
        also: [certificate.number],
      });
      expectMessage(to(mails, adminFr), 'certificate.suspended', 'fr', {
        site,
        also: [certificate.number],
      });

      await ok(adminEn, 'DELETE', `/sites/${site.id}/suspension`, { reason: LIFT });
      mails = await delivered();
      expect(recipients(mails)).toEqual(everyone());
      expectMessage(to(mails, memberFr), 'certificate.reinstated', 'fr', {
        site,
        date: certificate.validUntil,
        also: [certificate.number],
      });
      expectMessage(to(mails, adminEn), 'certificate.reinstated', 'en', {
        site,
        date: certificate.validUntil,
      });
    });

    it('tells them of the suspension that follows a follow-up audit with a major NC', async () => {
      const site = await givenCertifiableSite(t, people, organisation);
      const certificate = await issue(site);
      await settle();
      await givenClosedAudit(t, site, people, { E07: 'major_nc' }, { type: 'follow_up' });

      const mails = await delivered();
      const suspended = mails.filter((m) => m.parsed.subject?.includes(certificate.number));
      expect(recipients(suspended)).toEqual(everyone());
      expectMessage(to(suspended, memberEn), 'certificate.suspended', 'en', { site });
    });

    it('tells them of a revocation by an administrator, with the reason', async () => {
      const site = await givenCertifiableSite(t, people, organisation);
      const certificate = await issue(site);
      await settle();

      await ok(adminFr, 'POST', `/certificates/${certificate.number}/revoke`, {
        reason: REVOCATION,
      });
      const mails = await delivered();
      expect(recipients(mails)).toEqual(everyone());
      expectMembersMessage(mails, 'certificate.revoked', {
        site,
        also: [certificate.number, REVOCATION],
      });
    });

    it('tells the administrators of the revocations when a membership ends (its users are disabled)', async () => {
      const leaving = await givenOrganisation(t.db);
      const leavingMember = await givenUser(t.db, 'member', { organisationId: leaving.id });
      const site = await givenCertifiableSite(t, people, leaving);
      const certificate = await issue(site);
      await settle();

      await ok(adminEn, 'POST', `/organisations/${leaving.id}/end-membership`, {
        reason: 'Adhésion résiliée à la demande du membre.',
      });
      const mails = await delivered();
      expect(recipients(mails)).toEqual(admins());
      expect(recipients(mails)).not.toContain(leavingMember.email.toLowerCase());
      const mail = to(mails, adminEn);
      expect(mail.subject).toContain(certificate.number);
      expect(mail.subject).toContain(leaving.name);
      expect(mail.subject).toContain(SUBJECT_WORDS['certificate.revoked'].en);
    });
  });

  describe('names', () => {
    it('plans, closes and certifies for a site and a company named in 200 characters, in readable subjects', async () => {
      const company = await givenOrganisation(t.db, { name: `Centre d’appels ${'A'.repeat(184)}` });
      const member = await givenUser(t.db, 'member', {
        organisationId: company.id,
        preferredLanguage: 'en',
      });
      const planned = await givenSite(t.db, company, { name: `Plateau ${'N'.repeat(192)}` });
      expect([company.name.length, planned.name.length]).toEqual([200, 200]);
      await settle();

      const plan = await call(adminEn, 'POST', '/audits', {
        siteId: planned.id,
        type: 'initial',
        plannedFor: addDays(today, 10),
        auditorId: auditor.id,
      });
      expect(plan.statusCode).toBe(201);
      const certified = await givenCertifiableSite(t, people, company, {
        name: `Plateau ${'S'.repeat(192)}`,
      });
      const issued = await call(adminEn, 'POST', `/sites/${certified.id}/certificates`);
      expect(issued.statusCode).toBe(201);

      const mails = (await delivered()).filter((m) => m.to.includes(member.email.toLowerCase()));
      expect(mails).toHaveLength(3);
      const subjectOf = (kind: string) => {
        const found = mails.filter((m) => m.parsed.subject?.includes(SUBJECT_WORDS[kind].en));
        expect(found).toHaveLength(1);
        return found[0].parsed.subject!;
      };
      const cut = (name: string) => `${name.slice(0, LINE_VALUE_MAX - 1)}…`;
      expect(subjectOf('audit.planned')).toContain(`${cut(planned.name)} (${cut(company.name)})`);
      for (const kind of ['audit.closed', 'certificate.issued']) {
        expect(subjectOf(kind)).toContain(`${cut(certified.name)} (${cut(company.name)})`);
      }
      for (const mail of mails) {
        expect(mail.parsed.subject!.length).toBeLessThan(250);
        expect(mail.parsed.text).toContain(company.name);
      }
      const rows = await t.db.query<{ subject: string }[]>(
        'SELECT subject FROM notification WHERE site_id = ANY($1)',
        [[planned.id, certified.id]],
      );
      expect(rows.length).toBeGreaterThanOrEqual(3 + firstAdmins.length);
      expect(rows.every((r) => r.subject.length < 250 && !r.subject.includes(company.name))).toBe(
        true,
      );
    });

    it('writes the subject and the calendar title on one line whatever the names hold', async () => {
      const company = await givenOrganisation(t.db, { name: 'Atlas\r\nBcc: x@example.ma' });
      const member = await givenUser(t.db, 'member', { organisationId: company.id });
      const site = await givenSite(t.db, company, { name: 'Plateau\tNord\n' });
      await settle();
      const plannedFor = addDays(today, 11);
      await planAudit(site, plannedFor);

      const mail = to(await delivered(), member);
      expect(mail.subject).toBe(
        `Audit planifié le ${formatDate(plannedFor, 'fr')} : Plateau Nord (Atlas Bcc: x@example.ma)`,
      );
      const event = new ICAL.Component(ICAL.parse(calendarPart(mail))).getFirstSubcomponent(
        'vevent',
      )!;
      expect(event.getFirstPropertyValue('summary')).toBe(
        'Audit initial : Plateau Nord (Atlas Bcc: x@example.ma)',
      );
      const [row] = await t.db.query<{ subject: string }[]>(
        'SELECT subject FROM notification WHERE recipient_user_id = $1',
        [member.id],
      );
      expect(row.subject).not.toMatch(/[\r\n\t]/);
    });
  });

  it('writes an event’s messages in three statements', async () => {
    const site = await givenSite(t.db, organisation);
    const audit = await planAudit(site, addDays(today, 30));
    await settle();
    const written = await t.db.transaction(async (em) => {
      const query = jest.spyOn(em, 'query');
      const count = await t.app
        .get(NotificationsService)
        .notify(em, { kind: 'audit.planned', auditId: audit.id });
      expect(query).toHaveBeenCalledTimes(3);
      return count;
    });
    expect(written).toBe(3);
    await settle();
  });

  it('stamps a calendar invitation with the time its messages are written, the transaction’s', async () => {
    const site = await givenSite(t.db, organisation);
    const audit = await planAudit(site, addDays(today, 31));
    await settle();
    await t.db.transaction(async (em) => {
      // The transaction's time is now well behind the clock.
      await em.query('SELECT pg_sleep(1.5)');
      await t.app
        .get(NotificationsService)
        .notify(em, { kind: 'audit.planned', auditId: audit.id });
    });
    const rows = await t.db.query<{ created_at: Date; attachments: StoredAttachment[] }[]>(
      `SELECT created_at, attachments FROM notification
        WHERE site_id = $1 AND created_at = (SELECT max(created_at) FROM notification WHERE site_id = $1)`,
      [site.id],
    );
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.attachments[0].content).toContain(
        `\r\nDTSTAMP:${compactUtcStamp(row.created_at)}\r\n`,
      );
    }
    await settle();
  });

  it('never wrote to a disabled member or to another company’s member', async () => {
    const [{ count }] = await t.db.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM notification WHERE recipient_user_id = ANY($1)`,
      [[disabledMember.id, outsider.id]],
    );
    expect(count).toBe(0);
  });
});
