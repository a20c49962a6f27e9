import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { STAKEHOLDER_GROUPS } from 'src/charter/charter.types';
import { RequestValidationError } from 'src/common/errors';
import type { ComplianceStatus } from 'src/compliance/compliance.types';
import type { Region } from 'src/members/members.types';
import { type CsvCell, toCsv } from 'src/stats/csv';
import {
  type AverageScoresResponse,
  type CityStatsResponse,
  type ComplianceStatsQuery,
  type ComplianceStatsResponse,
  type FailedCommitmentResponse,
  noStatusCounts,
  type RegionStatsResponse,
  shareOf,
  type StatusCounts,
} from 'src/stats/stats.dto';

/**
 * The sites counted ($1 region, $2 from, $3 to: null when not filtered) with their stored status
 * and their latest closed audit (charter-v1: latest visitedOn, then latest closedAt), with what
 * the database summarised of that audit as it closed (migration 1796000200000): the commitments
 * found non-conform, and the self-assessment gap against the last self-assessment submitted by
 * then (the one the audit report compares).
 */
const SCOPE = `
  WITH latest AS (
    SELECT DISTINCT ON (a.site_id) a.site_id, a.id, a.visited_on,
           a.score, ${STAKEHOLDER_GROUPS.map((g) => `a.score_${g}`).join(', ')}
      FROM audit a
     WHERE a.status = 'closed'
     ORDER BY a.site_id, a.visited_on DESC, a.closed_at DESC
  ), scope AS (
    SELECT s.id AS site_id, s.organisation_id, s.name, s.city, s.region,
           COALESCE(c.status, 'not_assessed') AS status, c.score AS status_score,
           c.group_scores, c.valid_until, l.id AS audit_id, l.visited_on,
           l.score, ${STAKEHOLDER_GROUPS.map((g) => `l.score_${g}`).join(', ')},
           m.minor_nc_codes, m.major_nc_codes, m.self_assessment_id,
           m.gap_compared, m.gap_over_rated, m.gap_under_rated
      FROM site s
      LEFT JOIN site_compliance c ON c.site_id = s.id
      LEFT JOIN latest l ON l.site_id = s.id
      LEFT JOIN audit_summary m ON m.audit_id = l.id
     WHERE s.active
       AND ($1::varchar IS NULL OR s.region = $1)
       AND ($2::date IS NULL OR l.visited_on >= $2::date)
       AND ($3::date IS NULL OR l.visited_on <= $3::date)
  )`;

const round2 = (column: string) => `round(avg(${column}), 2)::float8`;

const STATS_SQL = `${SCOPE}
  SELECT
    (SELECT COALESCE(json_agg(c ORDER BY c.region, c.city_key, c.city), '[]')
       FROM (SELECT GROUPING(region, lower(city)) AS grouping, region, lower(city) AS city_key,
                    min(city) AS city, status, count(*)::int AS n
               FROM scope
              GROUP BY GROUPING SETS ((status), (region, status), (region, lower(city), status))
            ) c) AS counts,
    (SELECT COALESCE(json_agg(t), '[]')
       FROM (SELECT code, count(*) FILTER (WHERE grade = 'minor_nc')::int AS "minorNc",
                    count(*) FILTER (WHERE grade = 'major_nc')::int AS "majorNc",
                    count(*)::int AS total
               FROM (SELECT unnest(minor_nc_codes) AS code, 'minor_nc' AS grade FROM scope
                     UNION ALL
                     SELECT unnest(major_nc_codes), 'major_nc' FROM scope) nc
              GROUP BY code
              ORDER BY total DESC, "majorNc" DESC, code
              LIMIT 10) t) AS failed,
    (SELECT row_to_json(a)
       FROM (SELECT count(audit_id)::int AS audits, ${round2('score')} AS score,
                    ${STAKEHOLDER_GROUPS.map((g) => `${round2(`score_${g}`)} AS ${g}`).join(', ')}
               FROM scope) a) AS averages,
    (SELECT row_to_json(g)
       FROM (SELECT count(*) FILTER (WHERE gap_compared > 0)::int AS sites,
                    COALESCE(sum(gap_compared), 0)::int AS compared,
                    COALESCE(sum(gap_over_rated), 0)::int AS "overRated",
                    COALESCE(sum(gap_under_rated), 0)::int AS "underRated"
               FROM scope) g) AS gap`;

const CSV_SQL = `${SCOPE}, open_nc AS (
    SELECT ca.site_id, count(*) FILTER (WHERE ca.grade = 'minor_nc')::int AS minor,
           count(*) FILTER (WHERE ca.grade = 'major_nc')::int AS major
      FROM corrective_action ca
      JOIN scope sc ON sc.site_id = ca.site_id
     WHERE ca.status IN ('open', 'responded')
     GROUP BY ca.site_id
  )
  SELECT o.name AS organisation, sc.name AS site, sc.city, sc.region, sc.status,
         round(sc.status_score, 2)::text AS score,
         ${STAKEHOLDER_GROUPS.map((g) => `round((sc.group_scores ->> '${g}')::numeric, 2)::text AS ${g}`).join(', ')},
         sc.visited_on::text AS visited_on, sc.valid_until::text AS valid_until,
         COALESCE(nc.minor, 0) AS open_minor, COALESCE(nc.major, 0) AS open_major,
         COALESCE(sc.gap_over_rated, 0) AS over_rated
    FROM scope sc
    JOIN organisation o ON o.id = sc.organisation_id
    LEFT JOIN open_nc nc ON nc.site_id = sc.site_id
   ORDER BY o.name, sc.name, sc.site_id`;

export const CSV_HEADER = [
  'Organisation',
  'Site',
  'Ville',
  'Région',
  'Statut',
  'Score',
  'Score salariés',
  'Score clients',
  'Score prestataires',
  'Score collectivité',
  'Dernière visite',
  'Valide jusqu’au',
  'NC mineures ouvertes',
  'NC majeures ouvertes',
  'Engagements surévalués',
] as const;

interface CountRow {
  /** 0: by region and city; 1: by region; 3: overall (GROUPING's bits: region, city). */
  readonly grouping: number;
  readonly region: Region | null;
  readonly city: string | null;
  readonly status: ComplianceStatus;
  readonly n: number;
}

interface StatsRow {
  readonly counts: CountRow[];
  readonly failed: FailedCommitmentResponse[];
  readonly averages: AverageScoresResponse;
  readonly gap: { sites: number; compared: number; overRated: number; underRated: number };
}

type CsvRow = Record<'organisation' | 'site' | 'city' | 'region' | 'status', string> &
  Record<'score' | (typeof STAKEHOLDER_GROUPS)[number], string | null> &
  Record<'visited_on' | 'valid_until', string | null> &
  Record<'open_minor' | 'open_major' | 'over_rated', number>;

/** Sector statistics of compliance, each figure one set-based pass over the sites counted. */
@Injectable()
export class StatsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async compliance(query: ComplianceStatsQuery): Promise<ComplianceStatsResponse> {
    const [row] = await this.db.query<StatsRow[]>(STATS_SQL, parametersOf(query));
    const { byStatus, byRegion, byCity } = groupCounts(row.counts);
    const totalSites = sum(byStatus);
    const compliantSites = byStatus.compliant + byStatus.conditionally_compliant;
    const assessedSites = totalSites - byStatus.not_assessed;
    return {
      filters: { region: query.region ?? null, from: query.from ?? null, to: query.to ?? null },
      totalSites,
      byStatus,
      byRegion,
      byCity,
      complianceRate: {
        compliantSites,
        assessedSites,
        rate: shareOf(compliantSites, assessedSites),
        rateOverAllSites: shareOf(compliantSites, totalSites),
      },
      mostFailedCommitments: row.failed,
      averageScores: row.averages,
      selfAssessmentGap: {
        ...row.gap,
        overRatedShare: shareOf(row.gap.overRated, row.gap.compared),
      },
    };
  }

  /** One row per site counted, as a CSV document (UTF-8 with a byte-order mark). */
  async complianceCsv(query: ComplianceStatsQuery): Promise<string> {
    const rows = await this.db.query<CsvRow[]>(CSV_SQL, parametersOf(query));
    return toCsv(
      CSV_HEADER,
      rows.map((r): CsvCell[] => [
        r.organisation,
        r.site,
        r.city,
        r.region,
        r.status,
        r.score,
        ...STAKEHOLDER_GROUPS.map((g) => r[g]),
        r.visited_on,
        r.valid_until,
        r.open_minor,
        r.open_major,
        r.over_rated,
      ]),
    );
  }
}

function parametersOf(query: ComplianceStatsQuery): (string | null)[] {
  if (query.from && query.to && query.from > query.to) {
    throw new RequestValidationError([{ field: 'to', message: 'to must not be before from' }]);
  }
  return [query.region ?? null, query.from ?? null, query.to ?? null];
}

const sum = (counts: StatusCounts) => Object.values(counts).reduce((a, b) => a + b, 0);

/** The grouping sets' rows, as totals with counts by status for every status. */
function groupCounts(rows: readonly CountRow[]) {
  const byStatus = noStatusCounts();
  const regions = new Map<string, RegionStatsResponse>();
  const cities = new Map<string, CityStatsResponse>();
  for (const row of rows) {
    const region = row.region!;
    if (row.grouping === 3) {
      byStatus[row.status] += row.n;
    } else if (row.grouping === 1) {
      tally(regions, region, () => ({ region, total: 0, byStatus: noStatusCounts() }), row);
    } else {
      const city = row.city!;
      const key = `${region}\u0000${city.toLowerCase()}`;
      tally(cities, key, () => ({ city, region, total: 0, byStatus: noStatusCounts() }), row);
    }
  }
  return { byStatus, byRegion: [...regions.values()], byCity: [...cities.values()] };
}

function tally<T extends { total: number; byStatus: StatusCounts }>(
  groups: Map<string, T>,
  key: string,
  create: () => T,
  row: CountRow,
): void {
  let group = groups.get(key);
  if (!group) {
    group = create();
    groups.set(key, group);
  }
  group.byStatus[row.status] += row.n;
  group.total += row.n;
}
