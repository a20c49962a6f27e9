import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Role } from 'src/auth/roles';

/** Who is calling, as established by the access token on this request. */
export interface Actor {
  readonly userId: string;
  readonly role: Role;
  /** The member's company; null for admins and auditors. */
  readonly organisationId: string | null;
}

/** What a use case needs to know of its request: the caller, for checks and for the journal. */
export interface RequestContext {
  /** Null on public routes, and for work the system does on its own. */
  readonly actor: Actor | null;
  readonly requestId: string | null;
  readonly ip: string | null;
}

export type AuthenticatedRequest = FastifyRequest & { actor?: Actor };

/** The context of the service's own work (start-up, scheduled jobs, command-line tools). */
export const SYSTEM_CONTEXT: RequestContext = { actor: null, requestId: null, ip: null };

export function contextOf(request: AuthenticatedRequest): RequestContext {
  return { actor: request.actor ?? null, requestId: String(request.id), ip: request.ip };
}

/** Injects the {@link RequestContext} of the current request into a handler. */
export const Ctx = createParamDecorator((_: unknown, host: ExecutionContext) =>
  contextOf(host.switchToHttp().getRequest<AuthenticatedRequest>()),
);

/** Injects the authenticated caller; only on routes that require a role. */
export const CurrentActor = createParamDecorator((_: unknown, host: ExecutionContext): Actor => {
  const actor = host.switchToHttp().getRequest<AuthenticatedRequest>().actor;
  if (!actor) {
    throw new Error('CurrentActor used on a route without authentication');
  }
  return actor;
});
