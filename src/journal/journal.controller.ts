import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from 'src/auth/roles.decorator';
import { ApiProblemResponses } from 'src/common/api-problem-responses';
import type { Page } from 'src/common/pagination';
import {
  JournalEntryResponse,
  JournalPageResponse,
  JournalQuery,
  toJournalEntryResponse,
} from 'src/journal/journal.dto';
import { JournalService } from 'src/journal/journal.service';

@ApiTags('journal')
@Roles('admin')
@Controller('journal')
export class JournalController {
  constructor(private readonly journal: JournalService) {}

  @Get()
  @ApiOperation({ summary: 'The activity journal, newest first, filtered by the query' })
  @ApiOkResponse({ type: JournalPageResponse })
  @ApiProblemResponses(400)
  async list(@Query() query: JournalQuery): Promise<Page<JournalEntryResponse>> {
    const page = await this.journal.list(query);
    return { ...page, items: page.items.map(toJournalEntryResponse) };
  }
}
