import {
  Body,
  Controller,
  Get,
  HttpCode,
  Patch,
  Post,
  Query,
  UseInterceptors,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Actor, Ctx, CurrentActor, type RequestContext } from 'src/auth/request-context';
import { Roles } from 'src/auth/roles.decorator';
import { ApiProblemResponses } from 'src/common/api-problem-responses';
import type { Page } from 'src/common/pagination';
import { ETAG_HEADER, ETagInterceptor } from 'src/common/etag.interceptor';
import {
  CreateOrganisationRequest,
  EndMembershipRequest,
  OrganisationPageResponse,
  OrganisationQuery,
  OrganisationResponse,
  UpdateOrganisationRequest,
} from 'src/members/organisations.dto';
import { OrganisationsService } from 'src/members/organisations.service';
import { ApiIfMatch, ApiUuidParam, IfMatch, UuidParam } from 'src/common/request-params';
import { Idempotent } from 'src/idempotency/idempotent.decorator';

@ApiTags('organisations')
@Controller('organisations')
@UseInterceptors(ETagInterceptor)
export class OrganisationsController {
  constructor(private readonly organisations: OrganisationsService) {}

  @Get()
  @Roles('admin', 'auditor', 'member')
  @ApiOperation({
    summary: 'Member companies: every one for the association, their own for a member',
  })
  @ApiOkResponse({ type: OrganisationPageResponse })
  @ApiProblemResponses(400)
  list(
    @CurrentActor() actor: Actor,
    @Query() query: OrganisationQuery,
  ): Promise<Page<OrganisationResponse>> {
    return this.organisations.list(actor, query);
  }

  @Post()
  @Idempotent()
  @Roles('admin')
  @ApiOperation({ summary: 'Register a member company' })
  @ApiCreatedResponse({ type: OrganisationResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 409)
  create(
    @Ctx() ctx: RequestContext,
    @Body() body: CreateOrganisationRequest,
  ): Promise<OrganisationResponse> {
    return this.organisations.create(ctx, body);
  }

  @Get(':id')
  @Roles('admin', 'auditor', 'member')
  @ApiOperation({ summary: 'One member company (a member: only their own)' })
  @ApiUuidParam()
  @ApiOkResponse({ type: OrganisationResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404)
  get(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<OrganisationResponse> {
    return this.organisations.get(actor, id);
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Correct the identity of a member company' })
  @ApiUuidParam()
  @ApiIfMatch()
  @ApiOkResponse({ type: OrganisationResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409, 412)
  update(
    @Ctx() ctx: RequestContext,
    @UuidParam() id: string,
    @Body() body: UpdateOrganisationRequest,
    @IfMatch() ifMatch: number[] | undefined,
  ): Promise<OrganisationResponse> {
    return this.organisations.update(ctx, id, body, ifMatch);
  }

  @Post(':id/end-membership')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'End a membership: sites inactive, users disabled and signed out, in one step',
  })
  @ApiUuidParam()
  @ApiIfMatch()
  @ApiOkResponse({ type: OrganisationResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409, 412)
  endMembership(
    @Ctx() ctx: RequestContext,
    @UuidParam() id: string,
    @Body() body: EndMembershipRequest,
    @IfMatch() ifMatch: number[] | undefined,
  ): Promise<OrganisationResponse> {
    return this.organisations.endMembership(ctx, id, body.reason, ifMatch);
  }
}
