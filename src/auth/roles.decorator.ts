import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ApiProblemResponses } from 'src/common/api-problem-responses';
import type { Role } from 'src/auth/roles';

export const ROLES_KEY = 'roles';

/**
 * The roles admitted to a route (on a controller or a handler; the handler's wins). A route
 * with neither this nor `@Public()` is refused to everyone.
 */
export const Roles = (...roles: [Role, ...Role[]]) =>
  applyDecorators(SetMetadata(ROLES_KEY, roles), ApiBearerAuth(), ApiProblemResponses(401, 403));
