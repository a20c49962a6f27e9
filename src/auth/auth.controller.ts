import { Body, Controller, Get, HttpCode, Patch, Post, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import {
  LoginRequest,
  MeResponse,
  PasswordResetRequest,
  RefreshRequest,
  SetPasswordWithTokenRequest,
  TokenPairResponse,
  UpdateMeRequest,
  UpdateMeResponse,
} from 'src/auth/auth.dto';
import { AccountThrottleGuard } from 'src/auth/account-throttle.guard';
import { AuthService } from 'src/auth/auth.service';
import { Public } from 'src/auth/public.decorator';
import { type Actor, Ctx, CurrentActor, type RequestContext } from 'src/auth/request-context';
import { Roles } from 'src/auth/roles.decorator';
import { ApiProblemResponses } from 'src/common/api-problem-responses';

const THROTTLED =
  'Throttled per client address, together with the other account routes ' +
  '(ACCOUNT_RATE_LIMIT_PER_MINUTE; 429 with Retry-After). ';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Email and password for an access token and a refresh token' })
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiTooManyRequestsResponse({ description: '5 failures in 15 minutes; see Retry-After' })
  @ApiProblemResponses(400, 401, 429)
  login(@Body() body: LoginRequest, @Ctx() ctx: RequestContext): Promise<TokenPairResponse> {
    return this.auth.login(body.email, body.password, ctx);
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Spend a refresh token for a new pair (rotation)' })
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiProblemResponses(400, 401)
  refresh(@Body() body: RefreshRequest): Promise<TokenPairResponse> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('logout')
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: 'End the session of a refresh token' })
  @ApiNoContentResponse()
  @ApiProblemResponses(400)
  logout(@Body() body: RefreshRequest): Promise<void> {
    return this.auth.logout(body.refreshToken);
  }

  @Get('me')
  @Roles('admin', 'auditor', 'member')
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: MeResponse })
  me(@CurrentActor() actor: Actor): Promise<MeResponse> {
    return this.auth.me(actor);
  }

  @Patch('me')
  @Roles('admin', 'auditor', 'member')
  @ApiOperation({ summary: 'Change one’s name, language or password' })
  @ApiOkResponse({ type: UpdateMeResponse })
  @ApiProblemResponses(400)
  updateMe(
    @CurrentActor() actor: Actor,
    @Body() body: UpdateMeRequest,
    @Ctx() ctx: RequestContext,
  ): Promise<UpdateMeResponse> {
    return this.auth.updateMe(actor, body, ctx);
  }

  @Post('password-reset')
  @Public()
  @UseGuards(AccountThrottleGuard)
  @HttpCode(202)
  @ApiOperation({
    summary: 'Ask for a password reset code by email',
    description:
      THROTTLED +
      'Always 202, whether the address is an account’s or not. An enabled account is sent a ' +
      'single-use code valid 30 minutes (at most one email a minute); an earlier code stops working.',
  })
  @ApiAcceptedResponse()
  @ApiProblemResponses(400, 429)
  requestPasswordReset(
    @Body() body: PasswordResetRequest,
    @Ctx() ctx: RequestContext,
  ): Promise<void> {
    return this.auth.requestPasswordReset(body.email, ctx);
  }

  @Post('password-reset/confirm')
  @Public()
  @UseGuards(AccountThrottleGuard)
  @HttpCode(204)
  @ApiOperation({
    summary: 'Set a new password with the code of a reset email',
    description: THROTTLED + 'The code works once; every session of the account ends.',
  })
  @ApiNoContentResponse()
  @ApiProblemResponses(400, 429)
  resetPassword(
    @Body() body: SetPasswordWithTokenRequest,
    @Ctx() ctx: RequestContext,
  ): Promise<void> {
    return this.auth.resetPassword(body, ctx);
  }

  @Post('invitations/accept')
  @Public()
  @UseGuards(AccountThrottleGuard)
  @HttpCode(204)
  @ApiOperation({
    summary: 'Set one’s first password with the code of an invitation email',
    description:
      THROTTLED +
      'The code works once, for 7 days; then sign in with the email and the password. An ' +
      'administrator can send a new code (POST /users/{id}/invitation).',
  })
  @ApiNoContentResponse()
  @ApiProblemResponses(400, 429)
  acceptInvitation(
    @Body() body: SetPasswordWithTokenRequest,
    @Ctx() ctx: RequestContext,
  ): Promise<void> {
    return this.auth.acceptInvitation(body, ctx);
  }
}
