import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { IS_PUBLIC } from 'src/auth/public.decorator';
import { ROLES_KEY } from 'src/auth/roles.decorator';
import type { Role } from 'src/auth/roles';
import { API_PREFIX } from 'src/create-app';
import type { TestApp } from '../app';
import type { Operation } from './openapi';

/** Who may call an operation: nobody needs a token, or one of these roles. */
export type Access =
  { readonly isPublic: true } | { readonly isPublic: false; readonly roles: readonly Role[] };

const join = (...parts: string[]) =>
  `/${parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/')}`;

type Paths = string | string[] | undefined;
const asArray = (value: Paths): string[] =>
  value === undefined ? [''] : Array.isArray(value) ? value : [value];

// The handler's marking wins over its controller's, as in the AuthGuard.
const metadata = <T>(key: string, handler: object, controller: object): T | undefined =>
  (Reflect.getMetadata(key, handler) as T | undefined) ??
  (Reflect.getMetadata(key, controller) as T | undefined);

/**
 * The access table of the running application, read from the `@Public()` and `@Roles()` marks
 * of its controllers (the OpenAPI document names no roles): `GET /api/v1/sites/:id` → access.
 */
export function accessTable(t: TestApp): Map<string, Access> {
  const scanner = new MetadataScanner();
  const fastify = t.app.getHttpAdapter().getInstance();
  const table = new Map<string, Access>();
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) {
        continue;
      }
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as object;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined || Reflect.getMetadata(PATH_METADATA, handler) === undefined) {
          continue;
        }
        const verb = RequestMethod[method];
        for (const base of asArray(Reflect.getMetadata(PATH_METADATA, controller) as Paths)) {
          for (const own of asArray(Reflect.getMetadata(PATH_METADATA, handler) as Paths)) {
            const path = [join(API_PREFIX, base, own), join(base, own)].find((url) =>
              fastify.hasRoute({ method: verb, url }),
            );
            if (!path) {
              continue;
            }
            const isPublic = metadata<boolean>(IS_PUBLIC, handler, controller) === true;
            const roles = metadata<Role[]>(ROLES_KEY, handler, controller) ?? [];
            table.set(`${verb} ${path}`, isPublic ? { isPublic } : { isPublic, roles });
          }
        }
      }
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
