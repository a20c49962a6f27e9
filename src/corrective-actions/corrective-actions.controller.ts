import { Body, Controller, Get, HttpCode, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Actor, Ctx, CurrentActor, type RequestContext } from 'src/auth/request-context';
import { Roles } from 'src/auth/roles.decorator';
import { ApiProblemResponses } from 'src/common/api-problem-responses';
import { ETAG_HEADER, ETagInterceptor } from 'src/common/etag.interceptor';
import type { Page } from 'src/common/pagination';
import { ApiIfMatch, ApiUuidParam, IfMatch, UuidParam } from 'src/common/request-params';
import { CorrectiveActionReviewsService } from 'src/corrective-actions/corrective-action-reviews.service';
import {
  CorrectiveActionPageResponse,
  CorrectiveActionQuery,
  CorrectiveActionResponse,
  type CorrectiveActionSummaryResponse,
  RejectRequest,
  RespondRequest,
  VerifyRequest,
} from 'src/corrective-actions/corrective-actions.dto';
import { CorrectiveActionsService } from 'src/corrective-actions/corrective-actions.service';

const IF_MATCH_HONOURED = 'If-Match, when sent, must be the current ETag (412 otherwise). ';

@ApiTags('corrective-actions')
@Controller('corrective-actions')
@UseInterceptors(ETagInterceptor)
export class CorrectiveActionsController {
  constructor(
    private readonly actions: CorrectiveActionsService,
    private readonly reviews: CorrectiveActionReviewsService,
  ) {}

  @Get()
  @Roles('admin', 'auditor', 'member')
  @ApiOperation({
    summary: 'Corrective actions: every one for the association, their own company’s for a member',
    description:
      'Soonest due first. `overdue=true`: open (never responded to, or the last response ' +
      'rejected) and past dueAt now; `overdue=false`: the others.',
  })
  @ApiOkResponse({ type: CorrectiveActionPageResponse })
  @ApiProblemResponses(400)
  list(
    @CurrentActor() actor: Actor,
    @Query() query: CorrectiveActionQuery,
  ): Promise<Page<CorrectiveActionSummaryResponse>> {
    return this.actions.list(actor, query);
  }

  @Get(':id')
  @Roles('admin', 'auditor', 'member')
  @ApiOperation({ summary: 'One corrective action with its responses and their reviews' })
  @ApiUuidParam()
  @ApiOkResponse({ type: CorrectiveActionResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404)
  get(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<CorrectiveActionResponse> {
    return this.actions.get(actor, id);
  }

  @Post(':id/response')
  @HttpCode(200)
  @Roles('member')
  @ApiOperation({
    summary: 'Respond to an open corrective action of one’s own company, with evidence',
    description:
      IF_MATCH_HONOURED +
      'open → responded: the clock stops while an auditor reviews it. Another state: 409 ' +
      'CORRECTIVE_ACTION.ILLEGAL_TRANSITION. Evidence must be the organisation’s (404 ' +
      'EVIDENCE.NOT_FOUND otherwise).',
  })
  @ApiUuidParam()
  @ApiIfMatch()
  @ApiOkResponse({ type: CorrectiveActionResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409, 412)
  respond(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Body() body: RespondRequest,
    @IfMatch() ifMatch: number[] | undefined,
  ): Promise<CorrectiveActionResponse> {
    return this.reviews.respond(ctx, actor, id, body, ifMatch);
  }

  @Post(':id/verify')
  @HttpCode(200)
  @Roles('auditor')
  @ApiOperation({
    summary: 'Accept the response under review: the non-conformity is resolved',
    description: IF_MATCH_HONOURED + 'responded → verified; another state: 409.',
  })
  @ApiUuidParam()
  @ApiIfMatch()
  @ApiOkResponse({ type: CorrectiveActionResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409, 412)
  verify(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Body() body: VerifyRequest,
    @IfMatch() ifMatch: number[] | undefined,
  ): Promise<CorrectiveActionResponse> {
    return this.reviews.verify(ctx, actor, id, body, ifMatch);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Roles('auditor')
  @ApiOperation({
    summary: 'Reject the response under review, saying why: the action is open again',
    description:
      IF_MATCH_HONOURED +
      'responded → open, with its deadline unchanged: past dueAt it is overdue at once. ' +
      'Another state: 409.',
  })
  @ApiUuidParam()
  @ApiIfMatch()
  @ApiOkResponse({ type: CorrectiveActionResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409, 412)
  reject(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Body() body: RejectRequest,
    @IfMatch() ifMatch: number[] | undefined,
  ): Promise<CorrectiveActionResponse> {
    return this.reviews.reject(ctx, actor, id, body, ifMatch);
  }
}
