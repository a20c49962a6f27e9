import type { Role } from 'src/auth/roles';
import type { TestApp } from '../app';
import { NOT_REGISTERED, walkRoutes } from '../route-walk';
import type { Operation } from './openapi';

/** Who may call an operation: nobody needs a token, or one of these roles. */
export type Access =
  { readonly isPublic: true } | { readonly isPublic: false; readonly roles: readonly Role[] };

/**
 * The access table of the running application, read from the `@Public()` and `@Roles()` marks
 * of its controllers (the OpenAPI document names no roles): `GET /api/v1/sites/:id` → access.
 */
export function accessTable(t: TestApp): Map<string, Access> {
  const table = new Map<string, Access>();
  for (const { method, path, isPublic, roles } of walkRoutes(t)) {
    if (!path.startsWith(NOT_REGISTERED)) {
      table.set(`${method} ${path}`, isPublic ? { isPublic } : { isPublic, roles });
    }
  }
  return table;
}

/** The access of an operation of the document: its `x-roles` if it has some, else the app's. */
export function accessOf(op: Operation, table: Map<string, Access>): Access | undefined {
  if (op.documentedRoles) {
    return op.documentedRoles.length === 0
      ? { isPublic: true }
      : { isPublic: false, roles: op.documentedRoles as Role[] };
  }
  return table.get(`${op.method} ${op.path.replace(/\{(\w+)\}/g, ':$1')}`);
}
