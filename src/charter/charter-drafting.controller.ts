import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Ctx, type RequestContext } from 'src/auth/request-context';
import { Roles } from 'src/auth/roles.decorator';
import { CharterDraftingService } from 'src/charter/charter-drafting.service';
import {
  CharterResponse,
  CharterVersionParams,
  CommitmentParams,
  CommitmentResponse,
  CreateCharterDraftBody,
  SaveCommitmentBody,
  UpdateCharterRulesBody,
} from 'src/charter/charter.dto';
import { ApiProblemResponses } from 'src/common/api-problem-responses';

/**
 * The secretariat's side of the charter: drafts stay apart from the public routes of
 * CharterController, so that no public answer ever depends on who asks.
 */
@ApiTags('charters')
@Roles('admin')
@Controller('charters')
export class CharterDraftingController {
  constructor(private readonly drafting: CharterDraftingService) {}

  @Get('draft')
  @ApiOperation({ summary: 'The version being drafted, with its rules and commitments' })
  @ApiOkResponse({ type: CharterResponse })
  @ApiProblemResponses(404)
  getDraft(): Promise<CharterResponse> {
    return this.drafting.getDraft();
  }

  @Post()
  @ApiOperation({
    summary: 'Draft a new version, copied from the latest published one',
    description: 'One draft at a time; the version must come after every existing one.',
  })
  @ApiCreatedResponse({ type: CharterResponse })
  @ApiProblemResponses(400, 409)
  draft(
    @Ctx() ctx: RequestContext,
    @Body() body: CreateCharterDraftBody,
  ): Promise<CharterResponse> {
    return this.drafting.draft(ctx, body.version);
  }

  @Patch(':version/rules')
  @ApiOperation({ summary: 'Change rules of the draft; what is left out keeps its value' })
  @ApiOkResponse({ type: CharterResponse })
  @ApiProblemResponses(400, 404, 409)
  updateRules(
    @Ctx() ctx: RequestContext,
    @Param() params: CharterVersionParams,
    @Body() body: UpdateCharterRulesBody,
  ): Promise<CharterResponse> {
    return this.drafting.updateRules(ctx, params.version, body);
  }

  @Put(':version/commitments/:code')
  @ApiOperation({ summary: 'Add a commitment to the draft (at the end), or replace it in place' })
  @ApiOkResponse({ type: CommitmentResponse })
  @ApiProblemResponses(400, 404, 409)
  saveCommitment(
    @Ctx() ctx: RequestContext,
    @Param() params: CommitmentParams,
    @Body() body: SaveCommitmentBody,
  ): Promise<CommitmentResponse> {
    return this.drafting.saveCommitment(ctx, params.version, params.code, body);
  }

  @Delete(':version/commitments/:code')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a commitment from the draft; the ones after it move up' })
  @ApiNoContentResponse()
  @ApiProblemResponses(400, 404, 409)
  removeCommitment(@Ctx() ctx: RequestContext, @Param() params: CommitmentParams): Promise<void> {
    return this.drafting.removeCommitment(ctx, params.version, params.code);
  }

  @Post(':version/publish')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Publish the draft; from then on it never changes',
    description:
      'Refused (422 CHARTER.DRAFT_INCOMPLETE, with `problems`) without commitments or with ' +
      'positions that are not 1 to n.',
  })
  @ApiOkResponse({ type: CharterResponse })
  @ApiProblemResponses(400, 404, 409, 422)
  publish(
    @Ctx() ctx: RequestContext,
    @Param() params: CharterVersionParams,
  ): Promise<CharterResponse> {
    return this.drafting.publish(ctx, params.version);
  }

  @Delete(':version')
  @HttpCode(204)
  @ApiOperation({ summary: 'Discard the draft and its content (a published version stays)' })
  @ApiNoContentResponse()
  @ApiProblemResponses(400, 404, 409)
  discard(@Ctx() ctx: RequestContext, @Param() params: CharterVersionParams): Promise<void> {
    return this.drafting.discard(ctx, params.version);
  }
}
