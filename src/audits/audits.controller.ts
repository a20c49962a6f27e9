import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  StreamableFile,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { type Actor, Ctx, CurrentActor, type RequestContext } from 'src/auth/request-context';
import { Roles } from 'src/auth/roles.decorator';
import { AuditPlanningService } from 'src/audits/audit-planning.service';
import { AuditReportService } from 'src/audits/audit-report.service';
import { AuditReviewService } from 'src/audits/audit-review.service';
import { AuditWorkService } from 'src/audits/audit-work.service';
import {
  AuditPageResponse,
  AuditQuery,
  AuditResponse,
  type AuditSummaryResponse,
  CancelAuditRequest,
  FindingParams,
  PlanAuditRequest,
  RecordFindingRequest,
  RescheduleAuditRequest,
  ReturnAuditRequest,
} from 'src/audits/audits.dto';
import { AuditsService } from 'src/audits/audits.service';
import { ApiProblemResponses } from 'src/common/api-problem-responses';
import { ETAG_HEADER, ETagInterceptor } from 'src/common/etag.interceptor';
import type { Page } from 'src/common/pagination';
import { ApiIfMatch, ApiUuidParam, IfMatch, UuidParam } from 'src/common/request-params';
import { Idempotent } from 'src/idempotency/idempotent.decorator';

const IF_MATCH_REQUIRED =
  'Requires If-Match with the ETag last read (428 without it, 412 when stale). ';
const IF_MATCH_HONOURED = 'If-Match, when sent, must be the current ETag (412 otherwise). ';
const TRANSITION = 'From another state: 409 AUDIT.ILLEGAL_TRANSITION naming both (`from`, `to`). ';
const ASSIGNED_ONLY = 'Only the assigned auditor: anyone else’s audit answers 404. ';

@ApiTags('audits')
@Controller('audits')
@UseInterceptors(ETagInterceptor)
export class AuditsController {
  constructor(
    private readonly audits: AuditsService,
    private readonly planning: AuditPlanningService,
    private readonly work: AuditWorkService,
    private readonly review: AuditReviewService,
    private readonly reports: AuditReportService,
  ) {}

  @Post()
  @Idempotent()
  @Roles('admin')
  @ApiOperation({
    summary: 'Plan an audit of a site',
    description:
      'One audit per site neither closed nor cancelled (409 AUDIT.SITE_HAS_ACTIVE_AUDIT naming ' +
      'it). `auditorId` must be an enabled auditor (422 AUDIT.AUDITOR_INVALID naming the field); ' +
      '`plannedFor` today or later in Africa/Casablanca. An ended membership: 409.',
  })
  @ApiCreatedResponse({ type: AuditResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409, 422)
  plan(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @Body() body: PlanAuditRequest,
  ): Promise<AuditResponse> {
    return this.planning.plan(ctx, actor, body);
  }

  @Get()
  @Roles('admin', 'auditor', 'member')
  @ApiOperation({
    summary: 'Audits: all for admins, their own for an auditor, their sites’ for a member',
    description: 'Latest planned date first.',
  })
  @ApiOkResponse({ type: AuditPageResponse })
  @ApiProblemResponses(400)
  list(
    @CurrentActor() actor: Actor,
    @Query() query: AuditQuery,
  ): Promise<Page<AuditSummaryResponse>> {
    return this.audits.list(actor, query);
  }

  @Get(':id')
  @Roles('admin', 'auditor', 'member')
  @ApiOperation({
    summary: 'An audit with its findings by stakeholder group and the self-assessment gap',
    description:
      'An auditor sees only the audits assigned to them (others: 404). A member sees their ' +
      'sites’ audits, and their findings only once closed.',
  })
  @ApiUuidParam()
  @ApiOkResponse({ type: AuditResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404)
  get(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<AuditResponse> {
    return this.audits.get(actor, id);
  }

  @Get(':id/report.pdf')
  @Roles('admin', 'auditor', 'member')
  @Header('Cache-Control', 'private, no-store')
  @ApiOperation({
    summary: 'The audit report (PDF, French and English)',
    description:
      'For a submitted or closed audit (a member: closed only); otherwise 409 ' +
      'AUDIT.REPORT_NOT_AVAILABLE.',
  })
  @ApiUuidParam()
  @ApiProduces('application/pdf')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  @ApiProblemResponses(400, 404, 409)
  report(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<StreamableFile> {
    return this.reports.report(actor, id).then(
      (pdf) =>
        new StreamableFile(pdf, {
          type: 'application/pdf',
          disposition: `inline; filename="audit-${id}.pdf"`,
          length: pdf.length,
        }),
    );
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOperation({
    summary: 'Reschedule or reassign a planned audit',
    description: IF_MATCH_HONOURED + TRANSITION,
  })
  @ApiUuidParam()
  @ApiIfMatch()
  @ApiOkResponse({ type: AuditResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409, 412, 422)
  reschedule(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Body() body: RescheduleAuditRequest,
    @IfMatch() ifMatch: number[] | undefined,
  ): Promise<AuditResponse> {
    return this.planning.reschedule(ctx, actor, id, body, ifMatch);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: 'Cancel a planned or in-progress audit, with a reason',
    description: IF_MATCH_HONOURED + TRANSITION,
  })
  @ApiUuidParam()
  @ApiIfMatch()
  @ApiOkResponse({ type: AuditResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409, 412)
  cancel(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Body() body: CancelAuditRequest,
    @IfMatch() ifMatch: number[] | undefined,
  ): Promise<AuditResponse> {
    return this.planning.cancel(ctx, actor, id, body, ifMatch);
  }

  @Post(':id/start')
  @HttpCode(200)
  @Roles('auditor')
  @ApiOperation({
    summary: 'Start the visit: visitedOn is today, the charter version is fixed',
    description: ASSIGNED_ONLY + IF_MATCH_HONOURED + TRANSITION,
  })
  @ApiUuidParam()
  @ApiIfMatch()
  @ApiOkResponse({ type: AuditResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409, 412)
  start(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @IfMatch() ifMatch: number[] | undefined,
  ): Promise<AuditResponse> {
    return this.work.start(ctx, actor, id, ifMatch);
  }

  @Put(':id/findings/:code')
  @Roles('auditor')
  @ApiOperation({
    summary: 'Record the finding on one commitment (or replace it); returns the whole audit',
    description:
      ASSIGNED_ONLY +
      IF_MATCH_REQUIRED +
      'A non-conformity needs a note; not_applicable only where the charter allows it for the ' +
      'site’s record (422 AUDIT.NOT_APPLICABLE_REFUSED naming the site fact), with a ' +
      'justification. `evidenceIds` replaces the finding’s evidence. In progress only (409).',
  })
  @ApiIfMatch()
  @ApiOkResponse({ type: AuditResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409, 412, 422, 428)
  recordFinding(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @Param() params: FindingParams,
    @Body() body: RecordFindingRequest,
    @IfMatch() ifMatch: number[] | undefined,
  ): Promise<AuditResponse> {
    return this.work.recordFinding(ctx, actor, params.id, params.code, body, ifMatch);
  }

  @Post(':id/submit')
  @HttpCode(200)
  @Roles('auditor')
  @ApiOperation({
    summary: 'Submit an audit with a finding on every commitment',
    description:
      ASSIGNED_ONLY +
      IF_MATCH_REQUIRED +
      TRANSITION +
      'Commitments without a finding: 422 AUDIT.INCOMPLETE listing them in `missing`.',
  })
  @ApiUuidParam()
  @ApiIfMatch()
  @ApiOkResponse({ type: AuditResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409, 412, 422, 428)
  submit(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @IfMatch() ifMatch: number[] | undefined,
  ): Promise<AuditResponse> {
    return this.work.submit(ctx, actor, id, ifMatch);
  }

  @Post(':id/return')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: 'Send a submitted audit back to its auditor with a comment: in progress again',
    description: IF_MATCH_HONOURED + TRANSITION,
  })
  @ApiUuidParam()
  @ApiIfMatch()
  @ApiOkResponse({ type: AuditResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409, 412)
  returnToAuditor(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Body() body: ReturnAuditRequest,
    @IfMatch() ifMatch: number[] | undefined,
  ): Promise<AuditResponse> {
    return this.review.returnToAuditor(ctx, actor, id, body, ifMatch);
  }

  @Post(':id/close')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: 'Close a submitted audit: score, corrective actions, superseding',
    description:
      IF_MATCH_REQUIRED +
      TRANSITION +
      'In one transaction: the score and group scores are fixed, one corrective action opens ' +
      'per non-conformity (due 7 days after closing for a major NC, 30 for a minor one under ' +
      '2020.1), and the open corrective actions of the site’s earlier audits are superseded.',
  })
  @ApiUuidParam()
  @ApiIfMatch()
  @ApiOkResponse({ type: AuditResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409, 412, 428)
  close(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @IfMatch() ifMatch: number[] | undefined,
  ): Promise<AuditResponse> {
    return this.review.close(ctx, actor, id, ifMatch);
  }
}
