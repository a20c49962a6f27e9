import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { TokenService } from 'src/auth/token.service';
import { startService } from 'src/bootstrap';
import { ComplianceService } from 'src/compliance/compliance.service';
import { type EnvironmentVariables, validateEnvironment } from 'src/config/environment';
import { REGIONS } from 'src/members/members.types';
import type { BenchOutcome } from './charter-read';
import { type BenchSettings, Cleanup, createBenchDatabase, round } from './support';

/**
 * The compliance figures on a generated sector (10,000 sites, 200,000 findings):
 * `GET /stats/compliance`, one site's recomputation and a full recomputation, each beside a
 * plain SQL pass over the same rows measured in the same run.
 */

const SITES = 10_000;
const SITES_PER_ORGANISATION = 5;
const COMMITMENTS = 20;
const REQUESTS = 50;
const WARMUP_REQUESTS = 5;
const RECOMPUTED_SITES = 200;
// Each of the pool's 10 connections prepares the recomputation's statements on first use and
// keeps a generic plan after a few runs: the steady state of a running service is measured,
// each recomputation on a site not recomputed before (so that its status changes).
const RECOMPUTE_WARMUP = 50;
const TARGETS = { statsP50Ms: 150, recomputeOneP50Ms: 5, recomputeAllMs: 10_000 } as const;
const PATH = '/api/v1/stats/compliance';
const CITIES = ['Casablanca', 'Rabat', 'Fès', 'Marrakech', 'Tanger', 'Agadir', 'Oujda', 'Meknès'];

interface RunningApp {
  readonly app: NestFastifyApplication;
  readonly url: string;
  close(): Promise<void>;
}

export async function compliance(_settings: BenchSettings): Promise<BenchOutcome> {
  const cleanup = new Cleanup();
  try {
    const database = await createBenchDatabase('compliance');
    cleanup.add(`drop database ${database.name}`, () => database.drop());
    const env = validateEnvironment({
      ...process.env,
      DATABASE_URL: database.url,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    const service = await startApp(env);
    cleanup.add('close the application', () => service.close());
    const sql = new Client({ connectionString: database.url });
    await sql.connect();
    cleanup.add('close the SQL client', () => sql.end());

    const generated = Date.now();
    const adminId = await generateSector(sql);
    console.log(
      `compliance: ${SITES} sites, ${SITES * COMMITMENTS} findings generated in ` +
        `${((Date.now() - generated) / 1000).toFixed(1)} s; ${REQUESTS} sequential requests ` +
        `after ${WARMUP_REQUESTS} unmeasured; ${RECOMPUTED_SITES} recomputations of one site ` +
        `after ${RECOMPUTE_WARMUP} unmeasured`,
    );
    const token = await service.app.get(TokenService).issueAccessToken({
      id: adminId,
      role: 'admin',
      organisationId: null,
      tokenVersion: 0,
    });

    const stats = await measureStats(service.url, token, sql);
    const recompute = await measureRecomputation(service.app, sql);
    report(stats, recompute);
    return { name: 'compliance', failed: false };
  } finally {
    await cleanup.run();
  }
}

/** As `npm start` does. */
function startApp(env: EnvironmentVariables): Promise<RunningApp> {
  return startService(env);
}

// ---------------------------------------------------------------------------------------------
// The sector, generated set-based

async function generateSector(sql: Client): Promise<string> {
  const regions = `ARRAY[${REGIONS.map((r) => `'${r}'`).join(', ')}]::varchar[]`;
  const cities = `ARRAY[${CITIES.map((c) => `'${c}'`).join(', ')}]::varchar[]`;
  const organisations = SITES / SITES_PER_ORGANISATION;
  await sql.query('BEGIN');
  const {
    rows: [admin],
  } = await sql.query<{ id: string }>(
    `INSERT INTO app_user (email, password_hash, full_name, role)
     VALUES ('bench-admin@example.ma', 'not-a-hash', 'Bench admin', 'admin') RETURNING id`,
  );
  const a = [admin.id];
  await sql.query(`
    INSERT INTO organisation (id, name, ice, membership_number, contact_email)
    SELECT md5('org' || i)::uuid, 'Centre d''appels ' || i, lpad(i::text, 15, '0'),
           'B-' || i, 'contact' || i || '@example.ma'
      FROM generate_series(1, ${organisations}) i`);
  await sql.query(`
    INSERT INTO site (id, organisation_id, name, address, city, region, headcount_on_site,
                      headcount_remote, activities, provides_staff_transport, active)
    SELECT md5('site' || i)::uuid, md5('org' || (1 + i % ${organisations}))::uuid,
           'Plateau ' || i, i || ' boulevard Zerktouni', (${cities})[1 + i % ${CITIES.length}],
           (${regions})[1 + i % ${REGIONS.length}], 100, 10, ARRAY['front_office']::varchar[],
           true, i % 50 <> 0
      FROM generate_series(1, ${SITES}) i`);
  // Submitted first: the database refuses findings on a closed audit.
  await sql.query(
    `INSERT INTO audit (id, site_id, organisation_id, type, status, planned_for, auditor_id,
                        planned_by, charter_version_id, visited_on, started_at, submitted_at)
     SELECT md5('audit' || s.id)::uuid, s.id, s.organisation_id, 'initial', 'submitted', d, $1, $1,
            (SELECT id FROM charter_version WHERE version = '2020.1'), d, d, d
       FROM site s CROSS JOIN LATERAL
            (SELECT date '2025-01-01' + (abs(hashtext(s.id::text)) % 365) AS d) v`,
    a,
  );
  await sql.query(
    `INSERT INTO audit_finding (audit_id, commitment_code, result, note, recorded_by)
     SELECT au.id, 'E' || lpad(n::text, 2, '0'), r.result,
            CASE WHEN r.result IN ('conform', 'observation') THEN NULL ELSE 'Constat' END, $1
       FROM audit au CROSS JOIN generate_series(1, ${COMMITMENTS}) n
       CROSS JOIN LATERAL (SELECT CASE
         WHEN h < 70 THEN 'conform' WHEN h < 80 THEN 'observation' WHEN h < 90 THEN 'minor_nc'
         WHEN h < 95 THEN 'major_nc' ELSE 'not_applicable' END AS result
         FROM (SELECT abs(hashtext(au.id::text || n)) % 100 AS h) x) r`,
    a,
  );
  // Half the sites assessed themselves, a little more generously than their auditors, before
  // their audit closed (the database summarises each audit's gap as it closes).
  await sql.query(
    `INSERT INTO self_assessment (id, site_id, organisation_id, charter_version_id, status,
                                  started_by, started_at, submitted_by, submitted_at)
     SELECT md5('sa' || s.id)::uuid, s.id, s.organisation_id, au.charter_version_id, 'submitted',
            $1, au.visited_on - 30, $1, au.visited_on - 20
       FROM site s JOIN audit au ON au.site_id = s.id
      WHERE abs(hashtext(s.id::text)) % 2 = 0`,
    a,
  );
  await sql.query(
    `INSERT INTO self_assessment_answer (self_assessment_id, commitment_code, answer, comment,
                                         answered_by)
     SELECT sa.id, 'E' || lpad(n::text, 2, '0'), ans, CASE WHEN ans = 'not_applicable'
            THEN 'Sans objet pour ce site, voir le registre.' END, $1
       FROM self_assessment sa CROSS JOIN generate_series(1, ${COMMITMENTS}) n
       CROSS JOIN LATERAL (SELECT (ARRAY['implemented', 'implemented', 'implemented',
              'partially_implemented', 'not_implemented', 'not_applicable'])
              [1 + abs(hashtext(sa.id::text || n)) % 6]::varchar AS ans) x`,
    a,
  );
  await sql.query(
    `UPDATE audit au SET status = 'closed', closed_at = au.submitted_at + interval '2 days',
            closed_by = $1, score = sc.s, score_employees = sc.s, score_clients = sc.s - 5,
            score_providers = sc.s + 5, score_community = sc.s
       FROM (SELECT audit_id, round(60 + (abs(hashtext(audit_id::text)) % 3500) / 100.0, 2) AS s
               FROM audit_finding GROUP BY audit_id) sc
      WHERE sc.audit_id = au.id`,
    a,
  );
  await sql.query(
    `INSERT INTO corrective_action (audit_id, finding_id, site_id, organisation_id,
       commitment_code, grade, finding_note, status, opened_at, due_at, verified_at, verified_by)
     SELECT au.id, f.id, au.site_id, au.organisation_id, f.commitment_code, f.result, f.note, st,
            au.closed_at, au.closed_at + interval '30 days',
            CASE WHEN st = 'verified' THEN au.closed_at + interval '10 days' END,
            CASE WHEN st = 'verified' THEN $1::uuid END
       FROM audit_finding f JOIN audit au ON au.id = f.audit_id
       CROSS JOIN LATERAL (SELECT (ARRAY['open', 'responded', 'verified'])
                                  [1 + abs(hashtext(f.id::text)) % 3]::varchar AS st) x
      WHERE f.result IN ('minor_nc', 'major_nc')`,
    a,
  );
  // Stored statuses as a recomputation would leave them, near enough for statistics; one site
  // in ten never evaluated (no row: not_assessed).
  await sql.query(`
    INSERT INTO site_compliance (site_id, status, score, group_scores, reasons, evaluated_at,
                                 valid_until, version)
    SELECT au.site_id, CASE
             WHEN EXISTS (SELECT 1 FROM corrective_action ca WHERE ca.audit_id = au.id
                            AND ca.grade = 'major_nc' AND ca.status <> 'verified')
               OR au.score < 75 THEN 'non_compliant'
             WHEN au.visited_on + 180 < current_date THEN 'expired'
             WHEN EXISTS (SELECT 1 FROM corrective_action ca WHERE ca.audit_id = au.id
                            AND ca.status <> 'verified') THEN 'conditionally_compliant'
             ELSE 'compliant' END,
           au.score, jsonb_build_object('employees', au.score_employees,
             'clients', au.score_clients, 'providers', au.score_providers,
             'community', au.score_community), '[]', now(), au.visited_on + 180, 1
      FROM audit au
     WHERE abs(hashtext(au.site_id::text)) % 10 <> 0`);
  await sql.query('COMMIT');
  await sql.query('ANALYZE');
  return admin.id;
}

// ---------------------------------------------------------------------------------------------
// Measurements

interface Timing {
  readonly p50Ms: number;
  readonly p90Ms: number;
}

async function timeEach(times: number, warmup: number, run: () => Promise<void>): Promise<Timing> {
  for (let i = 0; i < warmup; i += 1) {
    await run();
  }
  const samples: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const start = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((x, y) => x - y);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return { p50Ms: at(0.5), p90Ms: at(0.9) };
}

// The plain aggregate: the same rows touched (sites with their status, the findings of their
// audits), counted, with nothing of latest audits, filters, gap or rendering.
const STATS_BASELINE_SQL = `
  SELECT (SELECT json_agg(x) FROM (SELECT COALESCE(c.status, 'not_assessed') AS status,
                                          count(*)::int AS n
                                     FROM site s LEFT JOIN site_compliance c ON c.site_id = s.id
                                    WHERE s.active GROUP BY 1) x) AS statuses,
         (SELECT json_agg(y) FROM (SELECT commitment_code, count(*)::int AS n FROM audit_finding
                                    WHERE result IN ('minor_nc', 'major_nc') GROUP BY 1) y) AS failed`;

async function measureStats(url: string, token: string, sql: Client) {
  let totalSites = 0;
  const app = await timeEach(REQUESTS, WARMUP_REQUESTS, async () => {
    const response = await fetch(url + PATH, { headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200) {
      throw new Error(`GET ${PATH} answered ${response.status}: ${await response.text()}`);
    }
    totalSites = ((await response.json()) as { totalSites: number }).totalSites;
  });
  let baselineSites = 0;
  const baseline = await timeEach(REQUESTS, WARMUP_REQUESTS, async () => {
    const { rows } = await sql.query<{ statuses: { n: number }[] }>(STATS_BASELINE_SQL);
    baselineSites = rows[0].statuses.reduce((sum, s) => sum + s.n, 0);
  });
  if (totalSites !== baselineSites) {
    throw new Error(`${PATH} counted ${totalSites} sites, the baseline ${baselineSites}`);
  }
  return { app, baseline };
}

// One site's inputs read plainly: its latest closed audit, the findings and corrective actions.
const ONE_SITE_BASELINE_SQL = `
  WITH a AS (SELECT id FROM audit WHERE site_id = $1 AND status = 'closed'
              ORDER BY visited_on DESC, closed_at DESC LIMIT 1)
  SELECT (SELECT count(*) FROM audit_finding f WHERE f.audit_id IN (SELECT id FROM a)) AS findings,
         (SELECT count(*) FROM corrective_action c WHERE c.audit_id IN (SELECT id FROM a)) AS actions`;

// Every site's score in one pass over every finding of every latest closed audit.
const ALL_SITES_BASELINE_SQL = `
  WITH latest AS (SELECT DISTINCT ON (site_id) site_id, id FROM audit WHERE status = 'closed'
                   ORDER BY site_id, visited_on DESC, closed_at DESC)
  SELECT l.site_id, avg(CASE f.result WHEN 'conform' THEN 1 WHEN 'observation' THEN 1
                                      WHEN 'minor_nc' THEN 0.5 WHEN 'major_nc' THEN 0 END) AS score,
         bool_or(c.status = 'open' AND c.due_at < now()) AS overdue
    FROM latest l JOIN audit_finding f ON f.audit_id = l.id
    LEFT JOIN corrective_action c ON c.finding_id = f.id
   GROUP BY l.site_id`;

interface RecomputeFigures {
  readonly one: Timing;
  readonly oneBaseline: Timing;
  readonly allMs: number;
  readonly allBaselineMs: number;
}

async function measureRecomputation(
  app: NestFastifyApplication,
  sql: Client,
): Promise<RecomputeFigures> {
  const { rows } = await sql.query<{ id: string }>(
    `SELECT id FROM site WHERE active ORDER BY md5(id::text) LIMIT ${RECOMPUTED_SITES + RECOMPUTE_WARMUP}`,
  );
  const ids = rows.map((r) => r.id);
  let next = 0;
  const oneBaseline = await timeEach(RECOMPUTED_SITES, RECOMPUTE_WARMUP, async () => {
    await sql.query(ONE_SITE_BASELINE_SQL, [ids[next++ % ids.length]]);
  });
  const allStart = process.hrtime.bigint();
  await sql.query(ALL_SITES_BASELINE_SQL);
  const allBaselineMs = Number(process.hrtime.bigint() - allStart) / 1e6;

  const service = app.get(ComplianceService);
  const db = app.get(DataSource);
  next = 0;
  const one = await timeEach(RECOMPUTED_SITES, RECOMPUTE_WARMUP, async () => {
    const siteId = ids[next++ % ids.length];
    await db.transaction((em) => service.recompute(em, siteId, 'sweep', new Date()));
  });
  const start = process.hrtime.bigint();
  const all = await service.recomputeAll(new Date());
  const allMs = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(
    `  full recomputation: ${all.sites} sites, ${all.changed} changed, ` +
      `${all.statusChanged} changed status`,
  );
  return { one, oneBaseline, allMs, allBaselineMs };
}

// ---------------------------------------------------------------------------------------------
// Report

function report(stats: { app: Timing; baseline: Timing }, recompute: RecomputeFigures): void {
  const ratio = (app: number, baseline: number) => (baseline > 0 ? app / baseline : 0);
  const line = (label: string, app: string, baseline: string, verdict: string) =>
    console.log(
      `  ${label.padEnd(22)} ${app.padEnd(34)} baseline ${baseline.padEnd(26)} ${verdict}`,
    );
  const statsRatio = ratio(stats.app.p50Ms, stats.baseline.p50Ms);
  const statsMet = stats.app.p50Ms <= TARGETS.statsP50Ms;
  line(
    'GET /stats/compliance',
    `p50 ${ms(stats.app.p50Ms)} p90 ${ms(stats.app.p90Ms)}`,
    `p50 ${ms(stats.baseline.p50Ms)} p90 ${ms(stats.baseline.p90Ms)}`,
    `ratio ${statsRatio.toFixed(1)}; target p50 ≤ ${TARGETS.statsP50Ms} ms: ${statsMet ? 'met' : 'NOT met'}`,
  );
  const { one, allMs: all } = recompute;
  const oneMet = one.p50Ms <= TARGETS.recomputeOneP50Ms;
  const allMet = all <= TARGETS.recomputeAllMs;
  line(
    'recompute one site',
    `p50 ${ms(one.p50Ms)} p90 ${ms(one.p90Ms)}`,
    `p50 ${ms(recompute.oneBaseline.p50Ms)}`,
    `ratio ${ratio(one.p50Ms, recompute.oneBaseline.p50Ms).toFixed(1)}; target p50 ≤ ` +
      `${TARGETS.recomputeOneP50Ms} ms: ${oneMet ? 'met' : 'NOT met'}`,
  );
  line(
    'recompute every site',
    ms(all),
    ms(recompute.allBaselineMs),
    `ratio ${ratio(all, recompute.allBaselineMs).toFixed(1)}; target ≤ ` +
      `${TARGETS.recomputeAllMs} ms: ${allMet ? 'met' : 'NOT met'}`,
  );
  console.log(
    JSON.stringify({
      bench: 'compliance',
      sites: SITES,
      findings: SITES * COMMITMENTS,
      statsP50Ms: round(stats.app.p50Ms, 2),
      statsP90Ms: round(stats.app.p90Ms, 2),
      statsBaselineP50Ms: round(stats.baseline.p50Ms, 2),
      statsRatio: round(statsRatio, 2),
      statsTargetMs: TARGETS.statsP50Ms,
      statsMet,
      recomputeOneP50Ms: round(one.p50Ms, 2),
      recomputeOneBaselineP50Ms: round(recompute.oneBaseline.p50Ms, 2),
      recomputeOneTargetMs: TARGETS.recomputeOneP50Ms,
      recomputeOneMet: oneMet,
      recomputeAllMs: round(all, 2),
      recomputeAllBaselineMs: round(recompute.allBaselineMs, 2),
      recomputeAllTargetMs: TARGETS.recomputeAllMs,
      recomputeAllMet: allMet,
    }),
  );
}

const ms = (value: number) => `${value.toFixed(2)} ms`;
