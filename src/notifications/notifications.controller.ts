import { Body, Controller, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Actor, Ctx, CurrentActor, type RequestContext } from 'src/auth/request-context';
import { Roles } from 'src/auth/roles.decorator';
import { ApiProblemResponses } from 'src/common/api-problem-responses';
import { type Page, PageQuery } from 'src/common/pagination';
import { ApiUuidParam, UuidParam } from 'src/common/request-params';
import { NotificationInboxService } from 'src/notifications/notification-inbox.service';
import {
  NotificationPageResponse,
  NotificationResponse,
  OutboxMessageResponse,
  OutboxPageResponse,
  OutboxQuery,
  PreferencesResponse,
  UpdatePreferencesRequest,
} from 'src/notifications/notifications.dto';

@ApiTags('notifications')
@Controller('me')
@Roles('admin', 'auditor', 'member')
export class MyNotificationsController {
  constructor(private readonly inbox: NotificationInboxService) {}

  @Get('notifications')
  @ApiOperation({
    summary: 'The signed-in user’s notifications, unread first, then newest first',
    description: 'Every message the outbox wrote for the user, whether or not its email is sent.',
  })
  @ApiOkResponse({ type: NotificationPageResponse })
  @ApiProblemResponses(400)
  list(
    @CurrentActor() actor: Actor,
    @Query() query: PageQuery,
  ): Promise<Page<NotificationResponse>> {
    return this.inbox.listMine(actor, query);
  }

  @Post('notifications/:id/read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark one of one’s notifications read (another’s answers 404)' })
  @ApiUuidParam()
  @ApiOkResponse({ type: NotificationResponse })
  @ApiProblemResponses(400, 404)
  markRead(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<NotificationResponse> {
    return this.inbox.markRead(actor, id);
  }

  @Get('notification-preferences')
  @ApiOperation({ summary: 'The kinds of notification one has muted, and those one cannot mute' })
  @ApiOkResponse({ type: PreferencesResponse })
  preferences(@CurrentActor() actor: Actor): Promise<PreferencesResponse> {
    return this.inbox.preferences(actor);
  }

  @Put('notification-preferences')
  @ApiOperation({
    summary: 'Choose the kinds of notification one is not told of',
    description:
      'Replaces the list. Overdue corrective actions and certificate suspensions and ' +
      'revocations are mandatory: muting one answers 422 naming `muted`.',
  })
  @ApiOkResponse({ type: PreferencesResponse })
  @ApiProblemResponses(400, 422)
  updatePreferences(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @Body() body: UpdatePreferencesRequest,
  ): Promise<PreferencesResponse> {
    return this.inbox.updatePreferences(ctx, actor, body);
  }
}

@ApiTags('notifications')
@Controller('notifications/outbox')
@Roles('admin')
export class OutboxController {
  constructor(private readonly inbox: NotificationInboxService) {}

  @Get()
  @ApiOperation({
    summary: 'The email outbox, newest first, by status',
    description:
      '`failed`: messages given up after NOTIFY_MAX_ATTEMPTS attempts, with the last error.',
  })
  @ApiOkResponse({ type: OutboxPageResponse })
  @ApiProblemResponses(400)
  list(@Query() query: OutboxQuery): Promise<Page<OutboxMessageResponse>> {
    return this.inbox.listOutbox(query);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a failed message again',
    description:
      'Back to pending for a full round of attempts. A message not failed: 409 ' +
      '`NOTIFICATION.NOT_FAILED`; a password reset or an invitation: 409 ' +
      '`NOTIFICATION.ACCOUNT_EMAIL` (its code may have expired: the user asks for a new one).',
  })
  @ApiUuidParam()
  @ApiOkResponse({ type: OutboxMessageResponse })
  @ApiProblemResponses(400, 404, 409)
  retry(@Ctx() ctx: RequestContext, @UuidParam() id: string): Promise<OutboxMessageResponse> {
    return this.inbox.retry(ctx, id);
  }
}
