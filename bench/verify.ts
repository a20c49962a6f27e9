import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DataSource } from 'typeorm';
import { addDays, calendarDate } from 'src/audits/calendar-date';
import { startService } from 'src/bootstrap';
import { formatCertificateNumber } from 'src/certificates/certificate-number';
import { certificateExpiresAt } from 'src/certificates/certificate-validity';
import { type PrintedRecord, printedRecordHash } from 'src/certificates/printed-record';
import { CertificateSigningService } from 'src/certificates/signing/certificate-signing.service';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { validateEnvironment } from 'src/config/environment';
import { startBaselineVerifyServer } from './baseline-verify-server';
import type { BenchOutcome } from './charter-read';
import {
  type BenchSettings,
  Cleanup,
  createBenchDatabase,
  failuresOf,
  type LoadFigures,
  measure,
  printFigures,
  round,
} from './support';

/**
 * `GET /api/v1/public/certificates/:number?t=<token>`: the live verification of a valid
 * certificate with its QR code's token, the application against a bare Fastify + pg baseline.
 */

const CERTIFICATES = 2_000;
/** The application should serve at least this share of the baseline's throughput... */
const TARGET_RATIO = 0.8;
/** ...with a p99 latency at most this multiple of the baseline's. */
const TARGET_P99_RATIO = 1.5;
/**
 * The load comes from one address: the public throttle (an in-memory counter per address) stays
 * on, so its cost is measured, with a limit no benchmark reaches.
 */
const BENCH_RATE_LIMIT = '1000000000';
const CITIES = ['Casablanca', 'Rabat', 'Fès', 'Marrakech', 'Tanger', 'Agadir', 'Oujda', 'Meknès'];

async function fetchJson(label: string, url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url);
  if (response.status !== 200) {
    throw new Error(`${label}: GET ${url} answered ${response.status}: ${await response.text()}`);
  }
  return (await response.json()) as Record<string, unknown>;
}

export async function verify(settings: BenchSettings): Promise<BenchOutcome> {
  const cleanup = new Cleanup();
  try {
    const database = await createBenchDatabase('verify');
    cleanup.add(`drop database ${database.name}`, () => database.drop());
    const dir = await mkdtemp(join(tmpdir(), 'bench-verify-'));
    cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
    const keyFile = join(dir, 'signing-key.pem');
    const { privateKey } = generateKeyPairSync('ed25519');
    await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });

    // The application's configuration reads process.env: set there, and put back afterwards.
    const settingsOfApp = {
      DATA_DIR: dir,
      FILES_DIR: join(dir, 'files'),
      CERT_SIGNING_KEY_FILE: keyFile,
      PUBLIC_RATE_LIMIT_PER_MINUTE: BENCH_RATE_LIMIT,
    };
    const previous = Object.fromEntries(
      Object.keys(settingsOfApp).map((name) => [name, process.env[name]]),
    );
    Object.assign(process.env, settingsOfApp);
    cleanup.add('restore the environment', () => {
      for (const [name, value] of Object.entries(previous)) {
        if (value === undefined) {
          delete process.env[name];
        } else {
          process.env[name] = value;
        }
      }
      return Promise.resolve();
    });
    const env = validateEnvironment({
      ...process.env,
      DATABASE_URL: database.url,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    const service = await startService(env);
    cleanup.add('close the application', () => service.close());
    const publicBaseUrl = service.app.get<AppConfig>(appConfig.KEY).publicBaseUrl;

    const { number, token } = await seedCertificates(service.app, CERTIFICATES);
    const path = `/api/v1/public/certificates/${number}?t=${token}`;

    const baseline = await startBaselineVerifyServer(
      database.url,
      env.DATABASE_POOL_SIZE,
      publicBaseUrl,
    );
    cleanup.add('close the baseline', () => baseline.close());

    // Both must give the same answer (but for the instant of the check), a valid token included.
    const [appBody, baselineBody] = await Promise.all([
      fetchJson('application', service.url + path),
      fetchJson('baseline', baseline.url + path),
    ]);
    const comparable = ({ checkedAt: _, ...rest }: Record<string, unknown>) => rest;
    if (!isDeepStrictEqual(comparable(appBody), comparable(baselineBody))) {
      throw new Error(
        `The application and the baseline answer differently:\n` +
          `application: ${JSON.stringify(appBody)}\nbaseline:    ${JSON.stringify(baselineBody)}`,
      );
    }
    if (appBody.status !== 'valid' || (appBody.token as { valid?: unknown }).valid !== true) {
      throw new Error(`The benchmark's certificate does not verify: ${JSON.stringify(appBody)}`);
    }

    console.log(
      `verify: GET /api/v1/public/certificates/<number>?t=<token> among ${CERTIFICATES} ` +
        `certificates, ${settings.connections} connections, ${settings.warmup} s warm-up then ` +
        `${settings.duration} s measured, one target at a time (application: pool of ` +
        `${env.DATABASE_POOL_SIZE}, throttle on with PUBLIC_RATE_LIMIT_PER_MINUTE=` +
        `${BENCH_RATE_LIMIT}; baseline: bare Fastify + pg pool of ${env.DATABASE_POOL_SIZE}, ` +
        'the same SQL lookup and node:crypto Ed25519 check on every request)',
    );
    const baselineFigures = await measure('baseline', baseline.url + path, settings);
    printFigures(baselineFigures);
    const appFigures = await measure('app', service.url + path, settings);
    printFigures(appFigures);

    report(appFigures, baselineFigures);
    const failures = failuresOf(appFigures) + failuresOf(baselineFigures);
    if (failures > 0) {
      console.error(`verify: ${failures} failed request(s) under load`);
    }
    return { name: 'verify', failed: failures > 0 };
  } finally {
    await cleanup.run();
  }
}

/**
 * Companies, sites and audits in SQL, then one valid certificate per site signed by the
 * application's own key (as issuance signs). The number and token of the one in the middle.
 */
async function seedCertificates(
  app: NestFastifyApplication,
  count: number,
): Promise<{ number: string; token: string }> {
  const db = app.get(DataSource);
  const signing = app.get(CertificateSigningService);
  const now = new Date();
  const today = calendarDate(now);
  const validUntil = addDays(today, 170);
  const expiresAt = certificateExpiresAt(validUntil);
  const year = Number(today.slice(0, 4));
  return db.transaction(async (em) => {
    const [admin] = await em.query<{ id: string }[]>(
      `INSERT INTO app_user (email, password_hash, full_name, role)
       VALUES ('bench-admin@example.ma', 'not-a-hash', 'Bench admin', 'admin') RETURNING id`,
    );
    await em.query(
      `INSERT INTO organisation (id, name, ice, membership_number, contact_email)
       SELECT md5('org' || i)::uuid, 'Centre d''appels ' || i, lpad(i::text, 15, '0'),
              'B-' || i, 'contact' || i || '@example.ma'
         FROM generate_series(1, $1::int) i`,
      [count],
    );
    await em.query(
      `INSERT INTO site (id, organisation_id, name, address, city, region, headcount_on_site,
                         headcount_remote, activities, provides_staff_transport)
       SELECT md5('site' || i)::uuid, md5('org' || i)::uuid, 'Plateau ' || i,
              i || ' boulevard Zerktouni', ($2::varchar[])[1 + i % ${CITIES.length}],
              'casablanca_settat', 100, 10, ARRAY['front_office']::varchar[], true
         FROM generate_series(1, $1::int) i`,
      [count, CITIES],
    );
    await em.query(
      `INSERT INTO audit (id, site_id, organisation_id, type, status, planned_for, auditor_id,
                          planned_by, charter_version_id, visited_on, started_at, submitted_at)
       SELECT md5('audit' || i)::uuid, md5('site' || i)::uuid, md5('org' || i)::uuid, 'initial',
              'submitted', $2::date, $3, $3,
              (SELECT id FROM charter_version WHERE version = '2020.1'), $2::date, $2::date,
              $2::date
         FROM generate_series(1, $1::int) i`,
      [count, addDays(today, -10), admin.id],
    );
    const sites = await em.query<
      {
        id: string;
        organisation_id: string;
        name: string;
        address: string;
        city: string;
        organisation: string;
        ice: string;
        audit_id: string;
      }[]
    >(
      `SELECT s.id, s.organisation_id, s.name, s.address, s.city, o.name AS organisation, o.ice,
              a.id AS audit_id
         FROM site s JOIN organisation o ON o.id = s.organisation_id
         JOIN audit a ON a.site_id = s.id
        ORDER BY s.name`,
    );
    let chosen: { number: string; token: string } | undefined;
    for (const [index, site] of sites.entries()) {
      const id = randomUUID();
      const number = formatCertificateNumber(year, index + 1);
      const printed: PrintedRecord = {
        number,
        company: { name: site.organisation, ice: site.ice },
        site: { name: site.name, address: site.address, city: site.city },
        charterVersion: '2020.1',
        auditDate: addDays(today, -10),
        score: 92.5,
        groupScores: { employees: 90, clients: 95, providers: 100, community: 87.5 },
        validFrom: today,
        validUntil,
      };
      const h = printedRecordHash(printed);
      const seconds = Math.floor(now.getTime() / 1000);
      const { token, kid } = await signing.sign(em, {
        sub: id,
        num: number,
        iat: seconds,
        nbf: seconds,
        exp: Math.floor(expiresAt.getTime() / 1000),
        v: '2020.1',
        h,
      });
      await em.query(
        `INSERT INTO certificate (id, number, year, sequence, site_id, organisation_id, audit_id,
           status, printed, record_hash, token, kid, pdf_sha256, pdf_size, issued_at, issued_by,
           valid_from, valid_until, expires_at, status_changed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'valid', $8, $9, $10, $11, $12, 1000, $13, $14,
                 $15, $16, $17, $13)`,
        [
          id,
          number,
          year,
          index + 1,
          site.id,
          site.organisation_id,
          site.audit_id,
          JSON.stringify(printed),
          h,
          token,
          kid,
          createHash('sha256').update(number).digest('hex'),
          now,
          admin.id,
          today,
          validUntil,
          expiresAt,
        ],
      );
      if (index === Math.floor(sites.length / 2)) {
        chosen = { number, token };
      }
    }
    await em.query('ANALYZE certificate');
    if (!chosen) {
      throw new Error('no certificate was seeded');
    }
    return chosen;
  });
}

function report(app: LoadFigures, baseline: LoadFigures): void {
  const ratio =
    baseline.requestsPerSecond > 0 ? app.requestsPerSecond / baseline.requestsPerSecond : 0;
  const p99Ratio = baseline.p99Ms > 0 ? app.p99Ms / baseline.p99Ms : Number.POSITIVE_INFINITY;
  const met = ratio >= TARGET_RATIO;
  const p99Met = p99Ratio <= TARGET_P99_RATIO;
  console.log(
    `  ratio app ÷ baseline: ${ratio.toFixed(2)} (target ≥ ${TARGET_RATIO}): ` +
      (met ? 'met' : 'NOT met'),
  );
  console.log(
    `  p99 app ÷ baseline: ${p99Ratio.toFixed(2)} (target ≤ ${TARGET_P99_RATIO}): ` +
      (p99Met ? 'met' : 'NOT met'),
  );
  console.log(
    JSON.stringify({
      bench: 'verify',
      appRps: round(app.requestsPerSecond),
      baselineRps: round(baseline.requestsPerSecond),
      ratio: round(ratio, 3),
      target: TARGET_RATIO,
      met,
      p99Ratio: round(p99Ratio, 3),
      p99Target: TARGET_P99_RATIO,
      p99Met,
      appP50Ms: round(app.p50Ms, 3),
      appP99Ms: round(app.p99Ms, 3),
      baselineP50Ms: round(baseline.p50Ms, 3),
      baselineP99Ms: round(baseline.p99Ms, 3),
      appFailures: failuresOf(app),
      baselineFailures: failuresOf(baseline),
    }),
  );
}
