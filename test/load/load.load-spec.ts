import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName } from '../database';
import {
  auditInProgress,
  type Certificate,
  certifiedSite,
  CODES,
  createOrganisation,
  createSite,
  createUser,
  login,
  type Organisation,
  type Site,
  startSelfAssessment,
  type User,
} from './fixture';
import { type Answer, formatFigures, Http, NetworkError } from './http';
import { evidenceForm, noisePng, photoVariant } from './png';
import { serviceFiles, type ServiceProcess, sleep, startServiceProcess } from './service';

/**
 * `npm run test:load`: the real service in its own process on a fresh database, a fixture made
 * through the API, then a mixed workload on loopback for LOAD_SECONDS (60 by default): members
 * answering their self-assessments, auditors uploading 2 MB photos and recording findings that
 * cite them, the public verifying certificates. Every request must succeed (no network error, no
 * 5xx, no unexpected 4xx: each virtual user works on records of its own, so no version conflict
 * is expected); afterwards the database must hold exactly what was acknowledged.
 */

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) {
    return fallback;
  }
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new Error(`${name} must be a positive integer (got ${JSON.stringify(raw)})`);
  }
  return Number(raw);
}

const SECONDS = positiveInteger('LOAD_SECONDS', 60);
const ORGANISATIONS = positiveInteger('LOAD_ORGANISATIONS', 8);
/** Sites with a self-assessment per organisation: one member virtual user each. */
const MEMBER_SITES_PER_ORGANISATION = positiveInteger('LOAD_MEMBER_SITES', 3);
/** One audit in progress per organisation, each worked on by one auditor virtual user. */
const AUDITORS = positiveInteger('LOAD_AUDITORS', 4);
const PUBLIC_USERS = positiveInteger('LOAD_PUBLIC_USERS', 16);
/** An auditor's pause between two photos: a visit, not a flood of 2 MB uploads. */
const AUDITOR_PAUSE_MS = positiveInteger('LOAD_AUDITOR_PAUSE_MS', 200);
const PHOTO_BYTES = 2 * 1024 * 1024;
/** The public throttle (per client address, in memory) stays on, with a limit the run cannot reach. */
const PUBLIC_RATE_LIMIT = '1000000000';

const API = '/api/v1';
const MEMBER_ANSWERS = ['implemented', 'partially_implemented', 'not_implemented'] as const;
const FINDING_RESULTS = ['conform', 'observation', 'minor_nc'] as const;

const print = (text: string) => process.stdout.write(`${text}\n`);

interface MemberUser {
  readonly tag: string;
  readonly token: string;
  readonly selfAssessmentId: string;
  version: number;
  acknowledged: number;
  /** What the last acknowledged write of each commitment said. */
  readonly answers: Map<string, { answer: string; comment: string }>;
  /** Set when an answer was not as expected: what the database holds is then unknown. */
  uncertain: boolean;
}

interface AuditorUser {
  readonly tag: string;
  readonly token: string;
  readonly auditId: string;
  readonly siteId: string;
  version: number;
  acknowledgedFindings: number;
  readonly findings: Map<string, { result: string; note: string; evidenceIds: string[] }>;
  readonly evidence: { id: string; sha256: string; size: number }[];
  uncertain: boolean;
}

interface Failures {
  count: number;
  readonly first: string[];
}

function fail(failures: Failures, message: string): void {
  failures.count += 1;
  if (failures.first.length < 20) {
    failures.first.push(message);
  }
}

/** The answer as expected, or a failure recorded and false. */
async function expectAnswer(
  failures: Failures,
  what: string,
  call: () => Promise<Answer>,
  status: number,
): Promise<Answer | undefined> {
  try {
    const answer = await call();
    if (answer.status !== status) {
      fail(failures, `${what}: ${answer.status} ${answer.text.slice(0, 300)}`);
      return undefined;
    }
    return answer;
  } catch (error) {
    fail(failures, error instanceof NetworkError ? error.message : `${what}: ${String(error)}`);
    return undefined;
  }
}

describe('load: members, auditors and the public at once', () => {
  it(
    `serves a mixed workload for ${SECONDS} s without an error, and keeps exactly what it acknowledged`,
    async () => {
      const cleanup: (() => Promise<void>)[] = [];
      try {
        const databaseName = uniqueDatabaseName('test_load');
        await createDatabase(databaseName);
        cleanup.push(() => dropDatabase(databaseName));
        const files = await serviceFiles('load');
        cleanup.push(() => files.remove());
        const service: ServiceProcess = await startServiceProcess({
          databaseUrl: databaseUrl(databaseName),
          files,
          env: { PUBLIC_RATE_LIMIT_PER_MINUTE: PUBLIC_RATE_LIMIT },
        });
        cleanup.push(() => service.stop());
        const http = new Http(service.url);

        // -------------------------------------------------------------------------------------
        // The fixture, through the API.
        const fixtureStarted = Date.now();
        const admin = await login(http, service.adminEmail, service.adminPassword);
        const auditors: User[] = [];
        for (let i = 0; i < AUDITORS; i++) {
          auditors.push(await createUser(http, admin, 'auditor', `auditor${i}`));
        }
        const members: MemberUser[] = [];
        const auditing: AuditorUser[] = [];
        const certificates: Certificate[] = [];
        await Promise.all(
          Array.from({ length: ORGANISATIONS }, async (_, o) => {
            const organisation: Organisation = await createOrganisation(
              http,
              admin,
              `Centre de charge ${o}`,
            );
            const member = await createUser(http, admin, 'member', `member${o}`, organisation.id);
            for (let s = 0; s < MEMBER_SITES_PER_ORGANISATION; s++) {
              const site = await createSite(http, admin, organisation, `Plateau ${o}-${s}`);
              const selfAssessment = await startSelfAssessment(http, member, site);
              members.push({
                tag: `m${o}-${s}`,
                token: member.token,
                selfAssessmentId: selfAssessment.id,
                version: selfAssessment.version,
                acknowledged: 0,
                answers: new Map(),
                uncertain: false,
              });
            }
            const auditor = auditors[o % auditors.length];
            const audited: Site = await createSite(http, admin, organisation, `Plateau ${o}-audit`);
            const audit = await auditInProgress(http, admin, auditor, audited);
            auditing.push({
              tag: `a${o}`,
              token: auditor.token,
              auditId: audit.id,
              siteId: audited.id,
              version: audit.version,
              acknowledgedFindings: 0,
              findings: new Map(),
              evidence: [],
              uncertain: false,
            });
            const certified = await createSite(http, admin, organisation, `Plateau ${o}-certifié`);
            certificates.push(await certifiedSite(http, admin, auditor, certified));
          }),
        );
        print(
          `load: fixture made through the API in ${((Date.now() - fixtureStarted) / 1000).toFixed(1)} s: ` +
            `${ORGANISATIONS} organisations, ${members.length} self-assessments in progress, ` +
            `${auditing.length} audits in progress (${AUDITORS} auditors), ${certificates.length} ` +
            'certified sites',
        );

        const db = new Client({ connectionString: databaseUrl(databaseName) });
        await db.connect();
        cleanup.push(() => db.end());
        const [{ seq: journalBoundary }] = (
          await db.query<{ seq: string }>(
            'SELECT coalesce(max(seq), 0)::text AS seq FROM journal_entry',
          )
        ).rows;

        // -------------------------------------------------------------------------------------
        // The workload.
        const basePhoto = noisePng(PHOTO_BYTES);
        http.reset();
        const failures: Failures = { count: 0, first: [] };
        const started = Date.now();
        const until = started + SECONDS * 1000;
        let uploadedBytes = 0;

        const memberLoop = async (vu: MemberUser, index: number) => {
          for (let n = 0; Date.now() < until; n++) {
            const code = CODES[n % CODES.length];
            const answer = MEMBER_ANSWERS[(n + index) % MEMBER_ANSWERS.length];
            const comment = `${vu.tag} réponse ${n}`;
            const res = await expectAnswer(
              failures,
              `answer ${vu.tag} ${code}`,
              () =>
                http.request(
                  'answer (PUT)',
                  `${API}/self-assessments/${vu.selfAssessmentId}/answers/${code}`,
                  {
                    method: 'PUT',
                    token: vu.token,
                    headers: { 'if-match': `"${vu.version}"` },
                    json: { answer, comment },
                  },
                ),
              200,
            );
            if (!res) {
              vu.uncertain = true;
              return;
            }
            vu.version = (res.body as { version: number }).version;
            vu.acknowledged += 1;
            vu.answers.set(code, { answer, comment });
          }
        };

        const auditorLoop = async (vu: AuditorUser) => {
          for (let n = 0; Date.now() < until; n++) {
            const photo = photoVariant(basePhoto, `${vu.tag} photo ${n}`);
            const form = evidenceForm(vu.siteId, `${vu.tag}-${n}.png`, photo);
            const uploaded = await expectAnswer(
              failures,
              `upload ${vu.tag} ${n}`,
              () =>
                http.request('upload 2 MB (POST)', `${API}/evidence`, {
                  method: 'POST',
                  token: vu.token,
                  raw: form.body,
                  contentType: form.contentType,
                }),
              201,
            );
            if (!uploaded) {
              vu.uncertain = true;
              return;
            }
            const evidence = uploaded.body as { id: string; sha256: string; size: number };
            if (evidence.sha256 !== photo.sha256 || evidence.size !== photo.bytes.length) {
              fail(
                failures,
                `upload ${vu.tag} ${n}: acknowledged as ${evidence.sha256}/${evidence.size}`,
              );
            }
            vu.evidence.push({ id: evidence.id, sha256: photo.sha256, size: photo.bytes.length });
            uploadedBytes += photo.bytes.length;

            const code = CODES[n % CODES.length];
            const result = FINDING_RESULTS[n % FINDING_RESULTS.length];
            const note = `${vu.tag} constat ${n} : affichage incomplet`;
            const recorded = await expectAnswer(
              failures,
              `finding ${vu.tag} ${code}`,
              () =>
                http.request('finding (PUT)', `${API}/audits/${vu.auditId}/findings/${code}`, {
                  method: 'PUT',
                  token: vu.token,
                  headers: { 'if-match': `"${vu.version}"` },
                  json: { result, note, evidenceIds: [evidence.id] },
                }),
              200,
            );
            if (!recorded) {
              vu.uncertain = true;
              return;
            }
            vu.version = (recorded.body as { version: number }).version;
            vu.acknowledgedFindings += 1;
            vu.findings.set(code, { result, note, evidenceIds: [evidence.id] });
            await sleep(AUDITOR_PAUSE_MS);
          }
        };

        let verified = 0;
        const publicLoop = async (index: number) => {
          for (let n = 0; Date.now() < until; n++) {
            const certificate = certificates[(n + index) % certificates.length];
            const res = await expectAnswer(
              failures,
              `verify ${certificate.number}`,
              () =>
                http.request(
                  'verify (GET public)',
                  `${API}/public/certificates/${certificate.number}?t=${certificate.token}`,
                ),
              200,
            );
            if (!res) {
              return;
            }
            const body = res.body as {
              status?: string;
              number?: string;
              token?: { valid?: boolean };
            };
            if (
              body.status !== 'valid' ||
              body.number !== certificate.number ||
              body.token?.valid !== true
            ) {
              fail(failures, `verify ${certificate.number}: ${res.text.slice(0, 300)}`);
            }
            verified += 1;
          }
        };

        print(
          `load: ${SECONDS} s on loopback: ${members.length} members, ${auditing.length} auditors ` +
            `(${AUDITOR_PAUSE_MS} ms between photos of ${(basePhoto.length / 1024 / 1024).toFixed(2)} MB), ` +
            `${PUBLIC_USERS} public verifiers, all at once (PUBLIC_RATE_LIMIT_PER_MINUTE=${PUBLIC_RATE_LIMIT})`,
        );
        await Promise.all([
          ...members.map((vu, i) => memberLoop(vu, i)),
          ...auditing.map((vu) => auditorLoop(vu)),
          ...Array.from({ length: PUBLIC_USERS }, (_, i) => publicLoop(i)),
        ]);
        const elapsed = (Date.now() - started) / 1000;
        const figures = http.figures(elapsed);
        const total = figures.reduce((sum, f) => sum + f.count, 0);
        const fiveHundreds = figures.reduce(
          (sum, f) =>
            sum +
            Object.entries(f.statuses)
              .filter(([status]) => Number(status) >= 500)
              .reduce((s, [, c]) => s + c, 0),
          0,
        );
        const networkErrors = figures.reduce((sum, f) => sum + f.networkErrors, 0);
        print(formatFigures(figures));
        print(
          `load: ${total} requests in ${elapsed.toFixed(1)} s (${(total / elapsed).toFixed(0)} req/s), ` +
            `${(uploadedBytes / 1024 / 1024).toFixed(0)} MB uploaded, ${verified} certificates verified; ` +
            `network errors ${networkErrors}, 5xx ${fiveHundreds}, failed checks ${failures.count}`,
        );
        for (const message of failures.first) {
          print(`  failure: ${message}`);
        }

        // -------------------------------------------------------------------------------------
        // The database holds exactly what was acknowledged.
        const mismatches: string[] = [];
        const mismatch = (message: string) => {
          if (mismatches.length < 20) {
            mismatches.push(message);
          }
        };

        const answerRows = (
          await db.query<{
            self_assessment_id: string;
            commitment_code: string;
            answer: string;
            comment: string;
          }>(
            `SELECT self_assessment_id, commitment_code, answer, comment FROM self_assessment_answer
            WHERE self_assessment_id = ANY($1::uuid[])`,
            [members.map((m) => m.selfAssessmentId)],
          )
        ).rows;
        const versions = new Map(
          (
            await db.query<{ id: string; version: number }>(
              'SELECT id, version FROM self_assessment WHERE id = ANY($1::uuid[])',
              [members.map((m) => m.selfAssessmentId)],
            )
          ).rows.map((r) => [r.id, r.version]),
        );
        for (const vu of members.filter((m) => !m.uncertain)) {
          const rows = answerRows.filter((r) => r.self_assessment_id === vu.selfAssessmentId);
          if (rows.length !== vu.answers.size) {
            mismatch(`${vu.tag}: ${rows.length} answers stored, ${vu.answers.size} acknowledged`);
          }
          for (const row of rows) {
            const expected = vu.answers.get(row.commitment_code);
            if (!expected || expected.answer !== row.answer || expected.comment !== row.comment) {
              mismatch(`${vu.tag} ${row.commitment_code}: stored ${row.answer} "${row.comment}"`);
            }
          }
          if (versions.get(vu.selfAssessmentId) !== vu.version) {
            mismatch(
              `${vu.tag}: version ${versions.get(vu.selfAssessmentId)}, acknowledged ${vu.version}`,
            );
          }
        }

        const findingRows = (
          await db.query<{
            id: string;
            audit_id: string;
            commitment_code: string;
            result: string;
            note: string;
            evidence_ids: string[];
          }>(
            `SELECT f.id, f.audit_id, f.commitment_code, f.result, f.note,
                  coalesce(array_agg(a.evidence_id ORDER BY a.position)
                           FILTER (WHERE a.evidence_id IS NOT NULL), '{}') AS evidence_ids
             FROM audit_finding f
             LEFT JOIN evidence_attachment a
               ON a.record_type = 'audit_finding' AND a.record_id = f.id
            WHERE f.audit_id = ANY($1::uuid[])
            GROUP BY f.id`,
            [auditing.map((a) => a.auditId)],
          )
        ).rows;
        const auditVersions = new Map(
          (
            await db.query<{ id: string; version: number }>(
              'SELECT id, version FROM audit WHERE id = ANY($1::uuid[])',
              [auditing.map((a) => a.auditId)],
            )
          ).rows.map((r) => [r.id, r.version]),
        );
        for (const vu of auditing.filter((a) => !a.uncertain)) {
          const rows = findingRows.filter((r) => r.audit_id === vu.auditId);
          if (rows.length !== vu.findings.size) {
            mismatch(`${vu.tag}: ${rows.length} findings stored, ${vu.findings.size} acknowledged`);
          }
          for (const row of rows) {
            const expected = vu.findings.get(row.commitment_code);
            if (
              !expected ||
              expected.result !== row.result ||
              expected.note !== row.note ||
              expected.evidenceIds.join() !== row.evidence_ids.join()
            ) {
              mismatch(
                `${vu.tag} ${row.commitment_code}: stored ${row.result} "${row.note}" [${row.evidence_ids.join()}]`,
              );
            }
          }
          if (auditVersions.get(vu.auditId) !== vu.version) {
            mismatch(
              `${vu.tag}: audit version ${auditVersions.get(vu.auditId)}, acknowledged ${vu.version}`,
            );
          }
        }

        // Evidence: the rows, their SHA-256, and the bytes stored under it.
        const acknowledgedEvidence = new Map(
          auditing.flatMap((vu) => vu.evidence).map((e) => [e.id, e]),
        );
        const evidenceRows = (
          await db.query<{ id: string; sha256: string; size: number }>(
            'SELECT id, sha256, size FROM evidence',
          )
        ).rows;
        if (evidenceRows.length !== acknowledgedEvidence.size) {
          mismatch(
            `${evidenceRows.length} evidence rows, ${acknowledgedEvidence.size} uploads acknowledged`,
          );
        }
        let filesChecked = 0;
        for (const row of evidenceRows) {
          const expected = acknowledgedEvidence.get(row.id);
          if (!expected || expected.sha256 !== row.sha256 || expected.size !== row.size) {
            mismatch(`evidence ${row.id}: stored ${row.sha256}/${row.size}, not as acknowledged`);
            continue;
          }
          const path = join(
            files.filesDir,
            'sha256',
            row.sha256.slice(0, 2),
            row.sha256.slice(2, 4),
            row.sha256,
          );
          const actual = await sha256Of(path).catch(
            (error: unknown) => `unreadable: ${String(error)}`,
          );
          if (actual !== row.sha256) {
            mismatch(`evidence ${row.id}: the stored file hashes to ${actual}`);
          }
          filesChecked += 1;
        }
        // The storage holds the evidence and the certificates' PDFs, nothing else.
        const pdfHashes = (
          await db.query<{ pdf_sha256: string }>('SELECT pdf_sha256 FROM certificate')
        ).rows.map((r) => r.pdf_sha256);
        const storedFiles = (
          await readdir(join(files.filesDir, 'sha256'), { recursive: true, withFileTypes: true })
        ).filter((e) => e.isFile()).length;
        const expectedFiles = new Set([...evidenceRows.map((r) => r.sha256), ...pdfHashes]).size;
        if (storedFiles !== expectedFiles) {
          mismatch(
            `${storedFiles} content files stored, ${expectedFiles} expected ` +
              `(${evidenceRows.length} evidence rows, ${pdfHashes.length} certificate PDFs)`,
          );
        }

        // The journal: one entry per acknowledged write, none for anything else.
        const journal = new Map(
          (
            await db.query<{ action: string; count: string }>(
              `SELECT action, count(*)::text AS count FROM journal_entry WHERE seq > $1 GROUP BY action`,
              [journalBoundary],
            )
          ).rows.map((r) => [r.action, Number(r.count)]),
        );
        const expectedJournal: Record<string, number> = {
          'self_assessment.answered': members.reduce((s, m) => s + m.acknowledged, 0),
          'audit.finding_recorded': auditing.reduce((s, a) => s + a.acknowledgedFindings, 0),
          'evidence.uploaded': acknowledgedEvidence.size,
        };
        for (const [action, count] of Object.entries(expectedJournal)) {
          if ((journal.get(action) ?? 0) !== count) {
            mismatch(`journal: ${journal.get(action) ?? 0} ${action}, ${count} acknowledged`);
          }
        }

        const log = await service.logTail(100_000);
        const unhandled = log.split('\n').filter((line) => /Unhandled error/.test(line)).length;
        print(
          `load: database checked: ${answerRows.length} answers of ${members.length} self-assessments, ` +
            `${findingRows.length} findings of ${auditing.length} audits, ${evidenceRows.length} evidence ` +
            `rows and ${filesChecked} stored files re-hashed, journal ${JSON.stringify(Object.fromEntries(journal))}; ` +
            `mismatches ${mismatches.length}; unhandled errors logged ${unhandled}`,
        );
        for (const message of mismatches) {
          print(`  mismatch: ${message}`);
        }
        print(
          JSON.stringify({
            suite: 'load',
            seconds: Number(elapsed.toFixed(1)),
            requests: total,
            requestsPerSecond: Number((total / elapsed).toFixed(1)),
            byKind: figures.map((f) => ({
              kind: f.kind,
              count: f.count,
              perSecond: Number(f.perSecond.toFixed(1)),
              p50Ms: Number(f.p50Ms.toFixed(1)),
              p99Ms: Number(f.p99Ms.toFixed(1)),
              statuses: f.statuses,
            })),
            uploadedMb: Math.round(uploadedBytes / 1024 / 1024),
            networkErrors,
            fiveHundreds,
            failedChecks: failures.count,
            mismatches: mismatches.length,
            writesChecked: expectedJournal,
          }),
        );

        expect(service.alive()).toBe(true);
        expect(networkErrors).toBe(0);
        expect(fiveHundreds).toBe(0);
        expect(failures.first).toEqual([]);
        expect(mismatches).toEqual([]);
        expect(unhandled).toBe(0);
        expect(members.every((m) => m.acknowledged > 0)).toBe(true);
        expect(auditing.every((a) => a.evidence.length > 0)).toBe(true);
        expect(verified).toBeGreaterThan(0);
      } finally {
        for (const step of cleanup.reverse()) {
          await step().catch((error: unknown) => print(`clean-up failed: ${String(error)}`));
        }
      }
    },
    (SECONDS + 900) * 1000,
  );
});

function sha256Of(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
