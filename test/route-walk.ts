import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import type { InjectOptions } from 'fastify';
import { IS_PUBLIC } from 'src/auth/public.decorator';
import type { Role } from 'src/auth/roles';
import { ROLES_KEY } from 'src/auth/roles.decorator';
import { API_PREFIX } from 'src/create-app';
import type { TestApp } from './app';

export type HTTPMethods = NonNullable<InjectOptions['method']>;

/** A route of a controller, with its `@Public()` and `@Roles()` marks. */
export interface Route {
  readonly method: HTTPMethods;
  /** As Fastify knows it (`/api/v1/charters/:version`), or `(not registered) /charters/...`. */
  readonly path: string;
  readonly handler: string;
  readonly isPublic: boolean;
  readonly roles: readonly Role[];
}

/** Marks a route the controllers declare but Fastify does not serve. */
export const NOT_REGISTERED = '(not registered) ';

const join = (...parts: string[]) =>
  `/${parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/')}`;

// Nest's path metadata: a string, or an array of them for a route with several paths.
type Paths = string | string[] | undefined;
const asArray = (value: Paths): string[] =>
  value === undefined ? [''] : Array.isArray(value) ? value : [value];

// The handler's own marking wins over its controller's, as in AuthGuard (getAllAndOverride).
const metadata = <T>(key: string, handler: object, controller: object): T | undefined =>
  (Reflect.getMetadata(key, handler) as T | undefined) ??
  (Reflect.getMetadata(key, controller) as T | undefined);

/** Every route of every controller the application registered, read from Nest's metadata. */
export function walkRoutes(t: TestApp): Route[] {
  const scanner = new MetadataScanner();
  const fastify = t.app.getHttpAdapter().getInstance();
  const routes: Route[] = [];
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
        for (const base of asArray(Reflect.getMetadata(PATH_METADATA, controller) as Paths)) {
          for (const own of asArray(Reflect.getMetadata(PATH_METADATA, handler) as Paths)) {
            const verb = RequestMethod[method] as HTTPMethods;
            // Under the API prefix, unless excluded from it (the root paths): ask Fastify.
            const path = [join(API_PREFIX, base, own), join(base, own)].find((url) =>
              fastify.hasRoute({ method: verb, url }),
            );
            routes.push({
              method: verb,
              path: path ?? `${NOT_REGISTERED}${join(base, own)}`,
              handler: `${controller.name}.${name}`,
              isPublic: metadata<boolean>(IS_PUBLIC, handler, controller) === true,
              roles: metadata<Role[]>(ROLES_KEY, handler, controller) ?? [],
            });
          }
        }
      }
    }
  }
  return routes;
}
