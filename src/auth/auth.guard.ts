import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC } from 'src/auth/public.decorator';
import type { Actor, AuthenticatedRequest } from 'src/auth/request-context';
import { ROLES_KEY } from 'src/auth/roles.decorator';
import type { Role } from 'src/auth/roles';
import { invalidToken, TokenService } from 'src/auth/token.service';
import { ForbiddenError } from 'src/common/errors';
import { UsersService } from 'src/members/users.service';

/**
 * Deny by default: a route is open only when marked `@Public()`, otherwise to a caller with a
 * valid access token whose user is still enabled, still on the same token version, and holds one
 * of the route's `@Roles()`. A route with neither marking is refused to everyone.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly users: UsersService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) {
      return true;
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (!roles?.length) {
      throw new ForbiddenError('AUTH.ROUTE_NOT_OPEN', 'This route admits no role');
    }
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const actor = await this.authenticate(request.headers.authorization);
    if (!roles.includes(actor.role)) {
      throw new ForbiddenError(
        'AUTH.ROLE_NOT_ALLOWED',
        `This route is not open to the ${actor.role} role`,
      );
    }
    request.actor = actor;
    return true;
  }

  private async authenticate(header: string | undefined): Promise<Actor> {
    const match = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(header ?? '');
    if (!match) {
      throw invalidToken();
    }
    const claims = await this.tokens.verifyAccessToken(match[1]);
    const user = await this.users.findById(claims.sub);
    if (!user || user.disabledAt || user.tokenVersion !== claims.tv) {
      throw invalidToken();
    }
    // The role and company as they are now, not as they were when the token was issued.
    return { userId: user.id, role: user.role, organisationId: user.organisationId };
  }
}
