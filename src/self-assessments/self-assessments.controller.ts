import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  UseInterceptors,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Actor, Ctx, CurrentActor, type RequestContext } from 'src/auth/request-context';
import { Roles } from 'src/auth/roles.decorator';
import { ApiProblemResponses } from 'src/common/api-problem-responses';
import { ETAG_HEADER, ETagInterceptor } from 'src/common/etag.interceptor';
import type { Page } from 'src/common/pagination';
import { ApiIfMatch, ApiUuidParam, IfMatch, UuidParam } from 'src/common/request-params';
import { SelfAssessmentAnswersService } from 'src/self-assessments/self-assessment-answers.service';
import {
  AnswerParams,
  SaveAnswerRequest,
  SelfAssessmentPageResponse,
  SelfAssessmentQuery,
  SelfAssessmentResponse,
  type SelfAssessmentSummaryResponse,
} from 'src/self-assessments/self-assessments.dto';
import { SelfAssessmentsService } from 'src/self-assessments/self-assessments.service';
import { Idempotent } from 'src/idempotency/idempotent.decorator';

const IF_MATCH_REQUIRED =
  'Requires If-Match with the ETag last read (428 without it, 412 when stale). ';

@ApiTags('self-assessments')
@Controller()
@UseInterceptors(ETagInterceptor)
export class SelfAssessmentsController {
  constructor(
    private readonly selfAssessments: SelfAssessmentsService,
    private readonly answers: SelfAssessmentAnswersService,
  ) {}

  @Post('sites/:id/self-assessments')
  @Idempotent()
  @Roles('admin', 'member')
  @ApiOperation({
    summary: 'Start a self-assessment of a site against the latest published charter version',
    description:
      'One open self-assessment per site and charter version: 409 SELF_ASSESSMENT.ALREADY_OPEN ' +
      'names it (`selfAssessmentId`). The sites of an ended membership are read-only (409).',
  })
  @ApiUuidParam()
  @ApiCreatedResponse({ type: SelfAssessmentResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409)
  start(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
  ): Promise<SelfAssessmentResponse> {
    return this.selfAssessments.start(ctx, actor, id);
  }

  @Get('sites/:id/self-assessments')
  @Roles('admin', 'auditor', 'member')
  @ApiOperation({ summary: 'The self-assessments of a site, newest first' })
  @ApiUuidParam()
  @ApiOkResponse({ type: SelfAssessmentPageResponse })
  @ApiProblemResponses(400, 404)
  list(
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Query() query: SelfAssessmentQuery,
  ): Promise<Page<SelfAssessmentSummaryResponse>> {
    return this.selfAssessments.list(actor, id, query);
  }

  @Get('self-assessments/:id')
  @Roles('admin', 'auditor', 'member')
  @ApiOperation({
    summary: 'A self-assessment: every commitment of its version with its answer, by group',
  })
  @ApiUuidParam()
  @ApiOkResponse({ type: SelfAssessmentResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404)
  get(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<SelfAssessmentResponse> {
    return this.selfAssessments.get(actor, id);
  }

  @Put('self-assessments/:id/answers/:code')
  @Roles('admin', 'member')
  @ApiOperation({
    summary: 'Answer one commitment (or replace its answer); returns the whole self-assessment',
    description:
      IF_MATCH_REQUIRED +
      'not_applicable only where the charter allows it for the site’s record (422 ' +
      'SELF_ASSESSMENT.NOT_APPLICABLE_REFUSED naming the commitment and the site fact), with a ' +
      'justification in `comment`. `evidenceIds` replaces the answer’s evidence.',
  })
  @ApiIfMatch()
  @ApiOkResponse({ type: SelfAssessmentResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409, 412, 422, 428)
  saveAnswer(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @Param() params: AnswerParams,
    @Body() body: SaveAnswerRequest,
    @IfMatch() ifMatch: number[] | undefined,
  ): Promise<SelfAssessmentResponse> {
    return this.answers.saveAnswer(ctx, actor, params.id, params.code, body, ifMatch);
  }

  @Post('self-assessments/:id/submit')
  @HttpCode(200)
  @Roles('admin', 'member')
  @ApiOperation({
    summary: 'Submit a fully answered self-assessment: its self-score is computed and fixed',
    description:
      IF_MATCH_REQUIRED +
      'Unanswered commitments: 422 SELF_ASSESSMENT.INCOMPLETE listing them in `missing`. A ' +
      'submitted self-assessment never changes again (409 SELF_ASSESSMENT.ALREADY_SUBMITTED).',
  })
  @ApiUuidParam()
  @ApiIfMatch()
  @ApiOkResponse({ type: SelfAssessmentResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409, 412, 422, 428)
  submit(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @IfMatch() ifMatch: number[] | undefined,
  ): Promise<SelfAssessmentResponse> {
    return this.answers.submit(ctx, actor, id, ifMatch);
  }
}
