import type { InjectOptions } from 'fastify';
import ICAL from 'ical.js';
import type { ParsedMail } from 'mailparser';
import { addDays, calendarDate } from 'src/audits/calendar-date';
import type { CertificateResponse } from 'src/certificates/certificates.dto';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { CorrectiveAction } from 'src/corrective-actions/corrective-action.entity';
import type { Organisation } from 'src/members/organisation.entity';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import { NotificationDispatcher } from 'src/notifications/notification-dispatcher';
import { formatDate, formatScore } from 'src/notifications/render-message';
import { createTestApp, type TestApp } from '../app';
import {
  authAs,
  givenCertifiableSite,
  givenClosedAudit,
  givenOrganisation,
  givenSite,
  givenUser,
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

  const call = async (
    user: User,
    method: InjectOptions['method'],
    url: string,
    payload?: object,
    headers: Record<string, string> = {},
  ) =>
    t.request({
      method,
      url: `/api/v1${url}`,
      payload,
      headers: { ...(await authAs(t, user)), ...headers },
    });
  const ok = async (
    user: User,
    method: InjectOptions['method'],
    url: string,
    payload?: object,
    headers: Record<string, string> = {},
  ) => {
    const res = await call(user, method, url, payload, headers);
    if (res.statusCode >= 300) {
      throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    }
    return res;
  };

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

  /** The calendar attachment, parsed by ical.js: its method and its one event. */
  const calendarOf = (mail: ParsedMail) => {
    const ics = mail.attachments.filter((a) => a.filename?.endsWith('.ics'));
    expect(ics).toHaveLength(1);
    expect(ics[0].contentType).toBe('text/calendar');
    const calendar = new ICAL.Component(ICAL.parse(ics[0].content.toString('utf8')));
    const event = calendar.getFirstSubcomponent('vevent');
    expect(event).not.toBeNull();
    const start = event!.getFirstPropertyValue('dtstart') as ICAL.Time;
    return {
      method: calendar.getFirstPropertyValue('method'),
      uid: event!.getFirstPropertyValue('uid'),
      sequence: Number(event!.getFirstPropertyValue('sequence')),
      status: event!.getFirstPropertyValue('status'),
      start: start.toString(),
      allDay: start.isDate,
    };
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
      expectMessage(to(mails, memberEn), 'audit.planned', 'en', { site, date: plannedFor });
      expectMessage(to(mails, memberFr), 'audit.planned', 'fr', { site, date: plannedFor });
      expectMessage(to(mails, auditor), 'audit.planned', 'fr', { site, date: plannedFor });
      expect(to(mails, memberEn).text).toContain(`${baseUrl}/api/v1/audits/${audit.id}`);
      for (const user of [auditor, memberEn, memberFr]) {
        expect(calendarOf(to(mails, user))).toEqual({
          method: 'REQUEST',
          uid: expect.stringContaining(audit.id),
          sequence: 1,
          status: 'CONFIRMED',
          start: plannedFor,
          allDay: true,
        });
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
      for (const [user, language] of [
        [memberEn, 'en'],
        [memberFr, 'fr'],
      ] as const) {
        const mail = to(mails, user);
        expectMessage(mail, 'audit.rescheduled', language, { site, date: moved });
        expect(mail.text).toContain(formatDate(first, language));
        expect(calendarOf(mail)).toMatchObject({
          method: 'REQUEST',
          uid: expect.stringContaining(audit.id),
          sequence: 2,
          start: moved,
        });
      }
    });

    it('invites the new auditor when the audit changes hands', async () => {
      const site = await givenSite(t.db, organisation);
      const plannedFor = addDays(today, 15);
      const audit = await planAudit(site, plannedFor);
      await settle();
      await ok(adminEn, 'PATCH', `/audits/${audit.id}`, { auditorId: otherAuditor.id });

      const mails = await delivered();
      expect(recipients(mails)).toContain(otherAuditor.email.toLowerCase());
      expect(recipients(mails)).toEqual(expect.arrayContaining(addresses(memberEn, memberFr)));
      const mail = to(mails, otherAuditor);
      expectMessage(mail, 'audit.rescheduled', 'en', { site, date: plannedFor });
      expect(calendarOf(mail)).toMatchObject({ method: 'REQUEST', sequence: 2, start: plannedFor });
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
        expect(calendarOf(to(mails, user))).toEqual({
          method: 'CANCEL',
          uid: expect.stringContaining(audit.id),
          sequence: 2,
          status: 'CANCELLED',
          start: plannedFor,
          allDay: true,
        });
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
      expect(en.attachments.filter((a) => a.filename?.endsWith('.ics'))).toEqual([]);
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
      expectMessage(to(mails, memberEn), 'corrective_action.verified', 'en', {
        site,
        also: ['E05'],
      });
      expectMessage(to(mails, memberFr), 'corrective_action.verified', 'fr', {
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
      expectMessage(to(mails, memberEn), 'corrective_action.rejected', 'en', {
        site,
        date: dueDateOf(action),
        also: ['E09', REJECTION],
      });
      expectMessage(to(mails, memberFr), 'corrective_action.rejected', 'fr', {
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
      expectMessage(to(mails, memberEn), 'certificate.revoked', 'en', {
        site,
        also: [certificate.number, REVOCATION],
      });
      expectMessage(to(mails, memberFr), 'certificate.revoked', 'fr', {
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

  it('never wrote to a disabled member or to another company’s member', async () => {
    const [{ count }] = await t.db.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM notification WHERE recipient_user_id = ANY($1)`,
      [[disabledMember.id, outsider.id]],
    );
    expect(count).toBe(0);
  });
});
