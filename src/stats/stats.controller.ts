import { Controller, Get, Header, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Roles } from 'src/auth/roles.decorator';
import { ApiProblemResponses } from 'src/common/api-problem-responses';
import { ComplianceStatsQuery, ComplianceStatsResponse } from 'src/stats/stats.dto';
import { StatsService } from 'src/stats/stats.service';

export const COMPLIANCE_CSV_FILENAME = 'conformite-sites.csv';

@ApiTags('stats')
@Roles('admin', 'auditor')
@ApiProblemResponses(400)
@Controller('stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get('compliance')
  @ApiOperation({
    summary: 'Sector statistics of compliance over the active sites',
    description:
      'Counts by status (overall, by region, by city), compliance rate, the ten most failed ' +
      'commitments, average scores and the self-assessment gap, over the latest closed audit ' +
      'of each site. `from`/`to` keep the sites whose latest closed audit was visited then.',
  })
  @ApiOkResponse({ type: ComplianceStatsResponse })
  compliance(@Query() query: ComplianceStatsQuery): Promise<ComplianceStatsResponse> {
    return this.stats.compliance(query);
  }

  @Get('compliance.csv')
  @Header('Cache-Control', 'private, no-store')
  @ApiOperation({
    summary: 'The same, one row per active site (CSV, UTF-8 with a byte-order mark)',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ schema: { type: 'string' } })
  complianceCsv(@Query() query: ComplianceStatsQuery): Promise<StreamableFile> {
    return this.stats.complianceCsv(query).then(
      (csv) =>
        new StreamableFile(Buffer.from(csv, 'utf8'), {
          type: 'text/csv; charset=utf-8',
          disposition: `attachment; filename="${COMPLIANCE_CSV_FILENAME}"`,
        }),
    );
  }
}
