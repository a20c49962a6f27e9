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
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { type Actor, Ctx, CurrentActor, type RequestContext } from 'src/auth/request-context';
import { Roles } from 'src/auth/roles.decorator';
import { ApiProblemResponses } from 'src/common/api-problem-responses';
import type { Page } from 'src/common/pagination';
import { ETAG_HEADER, ETagInterceptor } from 'src/common/etag.interceptor';
import { ApiIfMatch, ApiUuidParam, IfMatch, UuidParam } from 'src/common/request-params';
import {
  CreateUserRequest,
  InviteUserRequest,
  UpdateUserRequest,
  UserPageResponse,
  UserQuery,
  UserResponse,
} from 'src/members/users.dto';
import { UsersService } from 'src/members/users.service';
import { Idempotent } from 'src/idempotency/idempotent.decorator';

@ApiTags('users')
@Controller('users')
@UseInterceptors(ETagInterceptor)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Users of every role' })
  @ApiOkResponse({ type: UserPageResponse })
  @ApiProblemResponses(400)
  list(@Query() query: UserQuery): Promise<Page<UserResponse>> {
    return this.users.list(query);
  }

  @Post()
  @Idempotent()
  @Roles('admin')
  @ApiOperation({ summary: 'Create a user: association staff, or a member company’s' })
  @ApiCreatedResponse({ type: UserResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409)
  create(@Ctx() ctx: RequestContext, @Body() body: CreateUserRequest): Promise<UserResponse> {
    return this.users.create(ctx, body);
  }

  @Post('invitations')
  @Idempotent()
  @Roles('admin')
  @ApiOperation({
    summary: 'Invite a user by email: they set their own password',
    description:
      'Creates the user without a password and emails them a single-use code, valid 7 days, to ' +
      'send with the password of their choice to POST /auth/invitations/accept.',
  })
  @ApiCreatedResponse({ type: UserResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409)
  invite(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @Body() body: InviteUserRequest,
  ): Promise<UserResponse> {
    return this.users.invite(ctx, actor, body);
  }

  @Post(':id/invitation')
  @Idempotent()
  @Roles('admin')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send an invited user a new invitation code',
    description:
      'For an invitation that expired or was lost: a new single-use code, valid 7 days, goes ' +
      'out by email and the earlier one stops working. Only while the user is enabled and has ' +
      'not set a password yet (409 AUTH.NO_PENDING_INVITATION otherwise).',
  })
  @ApiUuidParam()
  @ApiAcceptedResponse()
  @ApiProblemResponses(400, 404, 409)
  resendInvitation(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
  ): Promise<void> {
    return this.users.resendInvitation(ctx, actor, id);
  }

  @Get(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'One user' })
  @ApiUuidParam()
  @ApiOkResponse({ type: UserResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404)
  get(@UuidParam() id: string): Promise<UserResponse> {
    return this.users.get(id);
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOperation({
    summary: 'Rename, change the role or organisation of, disable or enable a user',
    description:
      'Disabling, a new role or a new organisation end the user’s sessions. An administrator ' +
      'cannot disable or demote themselves, nor the last enabled administrator (409).',
  })
  @ApiUuidParam()
  @ApiIfMatch()
  @ApiOkResponse({ type: UserResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 404, 409, 412)
  update(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Body() body: UpdateUserRequest,
    @IfMatch() ifMatch: number[] | undefined,
  ): Promise<UserResponse> {
    return this.users.update(ctx, actor, id, body, ifMatch);
  }
}
