import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import type { CharterCommitment } from 'src/charter/charter-commitment.entity';
import { toCharterResponse } from 'src/charter/charter-response';
import type { CharterRules } from 'src/charter/charter-rules.entity';
import type { CharterVersion } from 'src/charter/charter-version.entity';
import { CHARTER_VERSION_PATTERN } from 'src/charter/charter.dto';

/**
 * The baseline for `GET /api/v1/charters/:version`: bare Fastify over a `pg` pool, doing on every
 * request what CharterService.getPublished does when its cache is cold (the same three queries,
 * the last two concurrently, and the same rendering), with no framework, ORM or cache on top.
 */

// The columns TypeORM selects for each entity, named as the entities name them.
const VERSION_SQL = `
  SELECT id, version, status, published_at AS "publishedAt",
         created_at AS "createdAt", updated_at AS "updatedAt"
    FROM charter_version
   WHERE version = $1 AND status = $2
   LIMIT 1`;

const RULES_SQL = `
  SELECT charter_version_id AS "charterVersionId",
         weight_critical AS "weightCritical", weight_major AS "weightMajor",
         weight_standard AS "weightStandard",
         value_conform AS "valueConform", value_observation AS "valueObservation",
         value_minor_nc AS "valueMinorNc", value_major_nc AS "valueMajorNc",
         score_threshold AS "scoreThreshold",
         major_nc_deadline_days AS "majorNcDeadlineDays",
         minor_nc_deadline_days AS "minorNcDeadlineDays",
         audit_validity_days AS "auditValidityDays",
         not_applicable_justification_min_length AS "notApplicableJustificationMinLength"
    FROM charter_rules
   WHERE charter_version_id = $1
   LIMIT 1`;

const COMMITMENTS_SQL = `
  SELECT id, charter_version_id AS "charterVersionId", code, position,
         stakeholder_group AS "stakeholderGroup", criticality,
         not_applicable_when AS "notApplicableWhen",
         title_fr AS "titleFr", title_en AS "titleEn",
         description_fr AS "descriptionFr", description_en AS "descriptionEn",
         evidence_expected_fr AS "evidenceExpectedFr", evidence_expected_en AS "evidenceExpectedEn",
         verification_points AS "verificationPoints",
         created_at AS "createdAt", updated_at AS "updatedAt"
    FROM charter_commitment
   WHERE charter_version_id = $1
   ORDER BY position ASC`;

// Plain rows shaped like the entities (no relations loaded).
type VersionRow = Omit<CharterVersion, 'commitments' | 'rules'>;
type CommitmentRow = Omit<CharterCommitment, 'charterVersion'>;
type NumericRulesColumn =
  'valueConform' | 'valueObservation' | 'valueMinorNc' | 'valueMajorNc' | 'scoreThreshold';
// numeric columns come back from PostgreSQL as strings (the entity's transformer makes numbers)
type RawRulesRow = Omit<CharterRules, 'charterVersion' | NumericRulesColumn> &
  Record<NumericRulesColumn, string>;

function toRules(raw: RawRulesRow): CharterRules {
  return {
    ...raw,
    valueConform: Number(raw.valueConform),
    valueObservation: Number(raw.valueObservation),
    valueMinorNc: Number(raw.valueMinorNc),
    valueMajorNc: Number(raw.valueMajorNc),
    scoreThreshold: Number(raw.scoreThreshold),
  };
}

export interface BaselineServer {
  /** Where it listens, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  close(): Promise<void>;
}

export async function startBaselineCharterServer(
  databaseUrl: string,
  poolSize: number,
): Promise<BaselineServer> {
  const pool = new Pool({ connectionString: databaseUrl, max: poolSize });
  const app = Fastify({ logger: false });

  app.get<{ Params: { version: string } }>('/api/v1/charters/:version', async (request, reply) => {
    const { version } = request.params;
    if (!CHARTER_VERSION_PATTERN.test(version)) {
      return reply.code(400).send({ status: 400, detail: 'version must look like 2020.1' });
    }
    const found = await pool.query<VersionRow>(VERSION_SQL, [version, 'published']);
    const versionRow = found.rows[0];
    if (!versionRow) {
      return reply.code(404).send({ status: 404, detail: `No published version ${version}` });
    }
    const [rules, commitments] = await Promise.all([
      pool.query<RawRulesRow>(RULES_SQL, [versionRow.id]),
      pool.query<CommitmentRow>(COMMITMENTS_SQL, [versionRow.id]),
    ]);
    const rulesRow = rules.rows[0];
    if (!rulesRow) {
      throw new Error(`Charter version ${version} has no rules`);
    }
    return toCharterResponse(versionRow, toRules(rulesRow), commitments.rows);
  });

  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    await pool.end();
    throw error;
  }
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      await pool.end();
    },
  };
}
