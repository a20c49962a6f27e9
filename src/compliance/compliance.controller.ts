import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Actor, Ctx, CurrentActor, type RequestContext } from 'src/auth/request-context';
import { Roles } from 'src/auth/roles.decorator';
import { ApiProblemResponses } from 'src/common/api-problem-responses';
import type { Page } from 'src/common/pagination';
import { ApiUuidParam, UuidParam } from 'src/common/request-params';
import {
  type ComplianceHistoryItemResponse,
  ComplianceHistoryPageResponse,
  ComplianceHistoryQuery,
  ComplianceResponse,
  SuspensionRequest,
} from 'src/compliance/compliance.dto';
import { ComplianceService } from 'src/compliance/compliance.service';
import { SiteSuspensionService } from 'src/compliance/site-suspension.service';

@ApiTags('compliance')
@Controller('sites/:id')
export class ComplianceController {
  constructor(
    private readonly compliance: ComplianceService,
    private readonly suspensions: SiteSuspensionService,
  ) {}

  @Get('compliance')
  @Roles('admin', 'auditor', 'member')
  @ApiOperation({
    summary: 'The site’s compliance status now, with its score and every reason that holds',
    description: 'Computed at request time from the stored inputs. A member: own sites only.',
  })
  @ApiUuidParam()
  @ApiOkResponse({ type: ComplianceResponse })
  @ApiProblemResponses(400, 404)
  get(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<ComplianceResponse> {
    return this.compliance.get(actor, id);
  }

  @Get('compliance/history')
  @Roles('admin', 'auditor', 'member')
  @ApiOperation({ summary: 'The changes of the site’s status, score or reasons, newest first' })
  @ApiUuidParam()
  @ApiOkResponse({ type: ComplianceHistoryPageResponse })
  @ApiProblemResponses(400, 404)
  history(
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Query() query: ComplianceHistoryQuery,
  ): Promise<Page<ComplianceHistoryItemResponse>> {
    return this.compliance.history(actor, id, query);
  }

  @Post('suspension')
  @HttpCode(201)
  @Roles('admin')
  @ApiOperation({
    summary: 'Suspend the site: its status is `suspended` until lifted',
    description: 'Already suspended: 409 SITE.ALREADY_SUSPENDED.',
  })
  @ApiUuidParam()
  @ApiCreatedResponse({ type: ComplianceResponse })
  @ApiProblemResponses(400, 404, 409)
  suspend(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Body() body: SuspensionRequest,
  ): Promise<ComplianceResponse> {
    return this.suspensions.suspend(ctx, actor, id, body.reason);
  }

  @Delete('suspension')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: 'Lift the site’s suspension, with a reason',
    description: 'Not suspended: 409 SITE.NOT_SUSPENDED.',
  })
  @ApiUuidParam()
  @ApiOkResponse({ type: ComplianceResponse })
  @ApiProblemResponses(400, 404, 409)
  lift(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Body() body: SuspensionRequest,
  ): Promise<ComplianceResponse> {
    return this.suspensions.lift(ctx, actor, id, body.reason);
  }
}
