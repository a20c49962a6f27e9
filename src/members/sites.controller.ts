import { Body, Controller, Get, Patch, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Actor, Ctx, CurrentActor, type RequestContext } from 'src/auth/request-context';
import { Roles } from 'src/auth/roles.decorator';
import { ApiProblemResponses } from 'src/common/api-problem-responses';
import type { Page } from 'src/common/pagination';
import { ETAG_HEADER, ETagInterceptor } from 'src/common/etag.interceptor';
import { ApiIfMatch, ApiUuidParam, IfMatch, UuidParam } from 'src/common/request-params';
import {
  CreateSiteRequest,
  OrganisationSiteQuery,
  SitePageResponse,
  SiteQuery,
  SiteResponse,
  UpdateSiteRequest,
} from 'src/members/sites.dto';
import { SitesService } from 'src/members/sites.service';
import { Idempotent } from 'src/idempotency/idempotent.decorator';

@ApiTags('sites')
@Controller()
@UseInterceptors(ETagInterceptor)
export class SitesController {
  constructor(private readonly sites: SitesService) {}

  @Get('organisations/:id/sites')
  @Roles('admin', 'auditor', 'member')
  @ApiOperation({ summary: 'The sites of one member company (a member: only their own)' })
  @ApiUuidParam()
  @ApiOkResponse({ type: SitePageResponse })
  @ApiProblemResponses(400, 404)
  listOfOrganisation(
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Query() query: OrganisationSiteQuery,
  ): Promise<Page<SiteResponse>> {
    return this.sites.listOfOrganisation(actor, id, query);
  }

  @Post('organisations/:id/sites')
  @Idempotent()
  @Roles('admin')
  @ApiOperation({ summary: 'Register a site of a member company' })
  @ApiUuidParam()
  @ApiCreatedResponse({ type: SiteResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409)
  create(
    @Ctx() ctx: RequestContext,
    @UuidParam() id: string,
    @Body() body: CreateSiteRequest,
  ): Promise<SiteResponse> {
    return this.sites.create(ctx, id, body);
  }

  @Get('sites')
  @Roles('admin', 'auditor', 'member')
  @ApiOperation({
    summary: 'Sites: every one for the association, their own company’s for a member',
  })
  @ApiOkResponse({ type: SitePageResponse })
  @ApiProblemResponses(400)
  list(@CurrentActor() actor: Actor, @Query() query: SiteQuery): Promise<Page<SiteResponse>> {
    return this.sites.list(actor, query);
  }

  @Get('sites/:id')
  @Roles('admin', 'auditor', 'member')
  @ApiOperation({ summary: 'One site (a member: only their own company’s)' })
  @ApiUuidParam()
  @ApiOkResponse({ type: SiteResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404)
  get(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<SiteResponse> {
    return this.sites.get(actor, id);
  }

  @Patch('sites/:id')
  @Roles('admin', 'member')
  @ApiOperation({
    summary: 'Change a site',
    description:
      'A member may change only address, headcountOnSite, headcountRemote, activities and ' +
      'providesStaffTransport of their own sites (403 SITE.FIELD_NOT_EDITABLE otherwise). ' +
      'The sites of an ended membership are read-only (409).',
  })
  @ApiUuidParam()
  @ApiIfMatch()
  @ApiOkResponse({ type: SiteResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409, 412)
  update(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Body() body: UpdateSiteRequest,
    @IfMatch() ifMatch: number[] | undefined,
  ): Promise<SiteResponse> {
    return this.sites.update(ctx, actor, id, body, ifMatch);
  }
}
