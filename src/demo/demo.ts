import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { AppModule } from 'src/app.module';
import { AuditPlanningService } from 'src/audits/audit-planning.service';
import { AuditReviewService } from 'src/audits/audit-review.service';
import { AuditWorkService } from 'src/audits/audit-work.service';
import { CertificateIssuanceService } from 'src/certificates/certificate-issuance.service';
import { CertificateLifecycleService } from 'src/certificates/certificate-lifecycle.service';
import { CharterService } from 'src/charter/charter.service';
import { SiteSuspensionService } from 'src/compliance/site-suspension.service';
import { validateEnvironment } from 'src/config/environment';
import { CorrectiveActionReviewsService } from 'src/corrective-actions/corrective-action-reviews.service';
import { CorrectiveActionsService } from 'src/corrective-actions/corrective-actions.service';
import { startEmbeddedDatabase } from 'src/database/embedded-database';
import { fillSelfAssessments } from 'src/demo/demo-assessments';
import { type AuditServices, fillAudits } from 'src/demo/demo-audits';
import { fillCertificates } from 'src/demo/demo-certificates';
import { BACKDATED_DAYS, backdateOneClosedAudit } from 'src/demo/demo-time-travel';
import { DEMO_ORGANISATIONS } from 'src/demo/demo-data';
import { fillMembers, loadWorld } from 'src/demo/demo-members';
import { EvidenceService } from 'src/evidence/evidence.service';
import { OrganisationsService } from 'src/members/organisations.service';
import { SitesService } from 'src/members/sites.service';
import { UsersService } from 'src/members/users.service';
import { SelfAssessmentAnswersService } from 'src/self-assessments/self-assessment-answers.service';
import { SelfAssessmentsService } from 'src/self-assessments/self-assessments.service';

const logger = new Logger('Demo');

/**
 * `npm run demo [-- --force]`: fills the database (DATABASE_URL, or the embedded one) with a
 * realistic sample through the application's own services, so that every record is validated
 * and journalled like any other: companies, sites, members, auditors, then their activity
 * (evidence, self-assessments, audits, corrective actions, certificates in every state).
 * Refuses a database that already holds member data unless forced.
 */
async function demo() {
  const { values } = parseArgs({ options: { force: { type: 'boolean', default: false } } });
  const env = validateEnvironment(process.env);
  const embedded = env.DATABASE_URL
    ? undefined
    : await startEmbeddedDatabase(resolve(env.DATA_DIR));
  const target = { url: env.DATABASE_URL ?? embedded!.url, embedded: !!embedded, poolSize: 2 };
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(target), {
    logger: ['fatal', 'error', 'warn', 'log'],
  });
  try {
    const rows = await app.get(DataSource).query<{ ice: string }[]>('SELECT ice FROM organisation');
    if (rows.length > 0 && !values.force) {
      throw new Error(
        `The database already holds ${rows.length} member companies; run with --force to add the sample anyway`,
      );
    }
    const password = process.env.DEMO_PASSWORD ?? `demo-${randomBytes(9).toString('base64url')}`;
    await fillMembers(
      app.get(OrganisationsService),
      app.get(SitesService),
      app.get(UsersService),
      password,
      rows.map((row) => row.ice),
    );
    await fillActivity(app);
    logger.log(`Every demo account signs in with the password: ${password}`);
  } finally {
    await app.close();
    await embedded?.stop();
  }
}

/**
 * The sample's activity, once: with --force it is skipped when the first sample site already
 * has a self-assessment or an audit (a sample company left as it was keeps its history).
 */
async function fillActivity(app: INestApplicationContext) {
  const db = app.get(DataSource);
  const world = await loadWorld(db.manager, app.get(UsersService));
  const first = world.sites.get(DEMO_ORGANISATIONS[0].sites[0].name)!.site;
  const [{ active }] = await db.query<{ active: boolean }[]>(
    `SELECT EXISTS (SELECT 1 FROM audit WHERE site_id = $1)
         OR EXISTS (SELECT 1 FROM self_assessment WHERE site_id = $1) AS active`,
    [first.id],
  );
  if (active) {
    logger.log(`${first.name} already has its activity: no evidence, assessment or audit added`);
    return;
  }
  const charter = await app.get(CharterService).findPublished(db.manager);
  if (!charter) {
    throw new Error('No published charter version: the migrations load 2020.1');
  }
  const evidence = app.get(EvidenceService);
  const audits: AuditServices = {
    planning: app.get(AuditPlanningService),
    work: app.get(AuditWorkService),
    review: app.get(AuditReviewService),
    actions: app.get(CorrectiveActionsService),
    actionReviews: app.get(CorrectiveActionReviewsService),
    evidence,
  };
  await fillSelfAssessments(
    {
      selfAssessments: app.get(SelfAssessmentsService),
      answers: app.get(SelfAssessmentAnswersService),
      evidence,
    },
    world,
    charter.commitments,
  );
  await fillAudits(audits, world, charter.commitments);
  const overdue = await backdateOneClosedAudit(db);
  logger.log(
    `demo only: one closed audit moved ${BACKDATED_DAYS} days back, ${overdue} of its corrective actions now overdue`,
  );
  await reportOpenActions(db);
  await fillCertificates(
    db,
    {
      issuance: app.get(CertificateIssuanceService),
      lifecycle: app.get(CertificateLifecycleService),
      suspensions: app.get(SiteSuspensionService),
      sites: app.get(SitesService),
      audits,
    },
    world,
    charter.commitments,
  );
}

/** Logs the open corrective actions with the moment each is (or became) overdue. */
async function reportOpenActions(db: DataSource) {
  const open = await db.query<{ code: string; site: string; due_at: Date }[]>(
    `SELECT ca.commitment_code AS code, s.name AS site, ca.due_at
       FROM corrective_action ca JOIN site s ON s.id = ca.site_id
      WHERE ca.status = 'open' ORDER BY ca.due_at, ca.commitment_code`,
  );
  for (const action of open) {
    logger.log(
      `corrective action ${action.code} of ${action.site} open, overdue after ${action.due_at.toISOString()}`,
    );
  }
}

demo().catch((error: unknown) => {
  logger.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
