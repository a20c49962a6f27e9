import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { validateEnvironment } from 'src/config/environment';
import { runJournalVerification } from 'src/journal/verify-journal';
import { LocalDiskStorage } from 'src/storage/local-disk-storage';
import { createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName } from '../database';

const DEMO = join(__dirname, '..', '..', 'dist', 'src', 'demo', 'demo.js');

function runDemo(url: string, filesDir: string, ...args: string[]) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [DEMO, ...args], {
      env: {
        ...process.env,
        DATABASE_URL: url,
        FILES_DIR: filesDir,
        // The signing key and the JWT secret it generates, beside the files: nothing in ./data.
        DATA_DIR: join(filesDir, 'data'),
        DEMO_PASSWORD: 'demo passphrase 2026',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run demo', () => {
  const name = uniqueDatabaseName('test_demo');
  const url = databaseUrl(name);
  let filesDir = '';
  const query = async <T extends object>(sql: string): Promise<T[]> => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  };
  const counts = async () => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<Record<string, number>>(`
        SELECT (SELECT count(*)::int FROM organisation) AS organisations,
               (SELECT count(*)::int FROM site) AS sites,
               (SELECT count(DISTINCT city)::int FROM site) AS cities,
               (SELECT count(DISTINCT region)::int FROM site) AS regions,
               (SELECT count(*)::int FROM app_user WHERE role = 'member') AS members,
               (SELECT count(*)::int FROM app_user WHERE role = 'auditor') AS auditors,
               (SELECT count(*)::int FROM journal_entry) AS journal,
               (SELECT count(*)::int FROM evidence) AS evidence,
               (SELECT count(*)::int FROM self_assessment) AS "selfAssessments",
               (SELECT count(*)::int FROM audit) AS audits,
               (SELECT count(*)::int FROM corrective_action) AS "correctiveActions"`);
      return rows[0];
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    if (!existsSync(DEMO)) {
      throw new Error(`${DEMO} is missing: npm test builds it first (npm run build)`);
    }
    await createDatabase(name, process.env.TEST_TEMPLATE_DATABASE);
    filesDir = await mkdtemp(join(tmpdir(), 'demo-files-'));
  });

  afterAll(async () => {
    await dropDatabase(name);
    if (filesDir) {
      await rm(filesDir, { recursive: true, force: true });
    }
  });

  const byStatus = async (table: string) =>
    Object.fromEntries(
      (
        await query<{ status: string; n: number }>(
          `SELECT status, count(*)::int AS n FROM ${table} GROUP BY status`,
        )
      ).map((row) => [row.status, row.n]),
    );

  it('fills an empty database with companies, sites in several cities, members and auditors', async () => {
    const { code, output } = await runDemo(url, filesDir);
    expect(code).toBe(0);
    expect(output).toContain('demo passphrase 2026');
    const after = await counts();
    expect(after).toMatchObject({ organisations: 6, sites: 11, members: 8, auditors: 3 });
    expect(after.cities).toBeGreaterThanOrEqual(8);
    expect(after.regions).toBeGreaterThanOrEqual(6);
    // Through the services: every record is journalled.
    expect(after.journal).toBeGreaterThanOrEqual(6 + 11 + 8 + 3);
  });

  it('refuses a database that already holds member data, and adds nothing twice with --force', async () => {
    const before = await counts();
    const refused = await runDemo(url, filesDir);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/already holds 6 member companies; run with --force/);
    expect(await counts()).toEqual(before);
    const forced = await runDemo(url, filesDir, '--force');
    expect(forced.code).toBe(0);
    expect(forced.output).toMatch(/already has its activity/);
    // Nothing added twice: neither the companies nor their activity (nor the journal of it).
    expect(await counts()).toEqual(before);
  });

  describe('the activity sample', () => {
    it('has self-assessments open and submitted, fully answered once submitted', async () => {
      expect(await byStatus('self_assessment')).toEqual({ open: 4, submitted: 7 });
      const answered = await query<{ status: string; answers: number }>(`
        SELECT sa.status, count(a.id)::int AS answers
          FROM self_assessment sa LEFT JOIN self_assessment_answer a ON a.self_assessment_id = sa.id
         GROUP BY sa.id, sa.status`);
      for (const { status, answers } of answered) {
        if (status === 'submitted') {
          expect(answers).toBe(20);
        } else {
          expect(answers).toBeGreaterThan(0);
          expect(answers).toBeLessThan(20);
        }
      }
      const [variety] = await query<{ answers: number; notApplicable: number }>(`
        SELECT count(DISTINCT answer)::int AS answers,
               count(*) FILTER (WHERE answer = 'not_applicable')::int AS "notApplicable"
          FROM self_assessment_answer`);
      expect(variety.answers).toBe(4);
      expect(variety.notApplicable).toBeGreaterThan(0);
    });

    it('has audits in every status, one returned then resubmitted, findings of every grade', async () => {
      expect(await byStatus('audit')).toEqual({
        planned: 3,
        in_progress: 1,
        submitted: 2,
        closed: 6,
        cancelled: 2,
      });
      const [returned] = await query<{ n: number }>(`
        SELECT count(DISTINCT a.id)::int AS n FROM audit a JOIN audit_return r ON r.audit_id = a.id
         WHERE a.status IN ('submitted', 'closed')`);
      expect(returned.n).toBe(1);
      const grades = await query<{ result: string }>(`
        SELECT DISTINCT f.result FROM audit_finding f JOIN audit a ON a.id = f.audit_id
         WHERE a.status = 'closed' ORDER BY f.result`);
      expect(grades.map((g) => g.result)).toEqual([
        'conform',
        'major_nc',
        'minor_nc',
        'not_applicable',
        'observation',
      ]);
      const cancelled = await query<{ reason: string | null }>(
        `SELECT cancel_reason AS reason FROM audit WHERE status = 'cancelled'`,
      );
      expect(cancelled.every((c) => (c.reason?.length ?? 0) >= 10)).toBe(true);
    });

    it('has corrective actions in every status, overdue ones among the open', async () => {
      expect(await byStatus('corrective_action')).toEqual({
        open: 4,
        responded: 1,
        verified: 1,
        superseded: 2,
      });
      const [actions] = await query<{ rejectedThenOpen: number; overdue: number }>(`
        SELECT count(*) FILTER (WHERE ca.status = 'open' AND EXISTS (
                 SELECT 1 FROM corrective_action_response r
                  WHERE r.corrective_action_id = ca.id AND r.outcome = 'rejected'))::int
                 AS "rejectedThenOpen",
               count(*) FILTER (WHERE ca.status = 'open' AND ca.due_at < now())::int AS overdue
          FROM corrective_action ca`);
      expect(actions.rejectedThenOpen).toBe(1);
      // The demo moves one closed audit, whose actions were never answered, 45 days back.
      expect(actions.overdue).toBeGreaterThanOrEqual(1);
      expect(actions.overdue).toBeLessThan(4);
    });

    it('has evidence files of each type, all attached and stored under FILES_DIR', async () => {
      const evidence = await query<{ sha256: string; media_type: string; attached: boolean }>(`
        SELECT e.sha256, e.media_type,
               EXISTS (SELECT 1 FROM evidence_attachment a WHERE a.evidence_id = e.id) AS attached
          FROM evidence e`);
      expect(evidence.length).toBeGreaterThan(0);
      expect(new Set(evidence.map((e) => e.media_type))).toEqual(
        new Set(['image/png', 'image/jpeg', 'application/pdf']),
      );
      // Attached, hence never swept as an abandoned upload.
      expect(evidence.every((e) => e.attached)).toBe(true);
      const storage = new LocalDiskStorage(filesDir);
      for (const { sha256 } of evidence) {
        expect(await storage.exists(sha256)).toBe(true);
      }
      const [kinds] = await query<{ kinds: number }>(
        `SELECT count(DISTINCT record_type)::int AS kinds FROM evidence_attachment`,
      );
      expect(kinds.kinds).toBe(3);
    });

    it('has certificates in every state, each PDF stored under FILES_DIR', async () => {
      expect(await byStatus('certificate')).toEqual({
        valid: 1,
        suspended: 1,
        revoked: 1,
        expired: 1,
        superseded: 1,
      });
      const certificates = await query<{ number: string; pdf_sha256: string }>(
        'SELECT number, pdf_sha256 FROM certificate ORDER BY number',
      );
      const storage = new LocalDiskStorage(filesDir);
      for (const { number, pdf_sha256 } of certificates) {
        expect(number).toMatch(/^AMRC-\d{4}-\d{5}$/);
        expect(await storage.exists(pdf_sha256)).toBe(true);
      }
    });

    it('leaves a journal whose hash chain holds (the logic of npm run journal:verify)', async () => {
      const lines: string[] = [];
      const env = validateEnvironment({ ...process.env, DATABASE_URL: url });
      expect(await runJournalVerification(env, (line) => lines.push(line))).toBe(0);
      expect(lines.join('\n')).not.toMatch(/broken/i);
    });
  });
});
