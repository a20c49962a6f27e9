import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from 'src/auth/public.decorator';
import { ApiProblemResponses } from 'src/common/api-problem-responses';
import {
  CharterResponse,
  CharterSummaryResponse,
  CharterVersionParams,
} from 'src/charter/charter.dto';
import { CharterService } from 'src/charter/charter.service';

@ApiTags('charters')
@Controller('charters')
export class CharterController {
  constructor(private readonly charters: CharterService) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Published charter versions, newest first' })
  @ApiOkResponse({ type: [CharterSummaryResponse] })
  list(): Promise<CharterSummaryResponse[]> {
    return this.charters.listPublished();
  }

  @Get(':version')
  @Public()
  @ApiOperation({ summary: 'One version with its rules and its commitments by stakeholder group' })
  @ApiOkResponse({ type: CharterResponse })
  @ApiProblemResponses(400, 404)
  get(@Param() params: CharterVersionParams): Promise<CharterResponse> {
    return this.charters.getPublished(params.version);
  }
}
