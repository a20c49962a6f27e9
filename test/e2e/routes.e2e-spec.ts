import { Controller, Get, Module, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import type { InjectOptions } from 'fastify';
import { IS_PUBLIC } from 'src/auth/public.decorator';
import { ROLES_KEY } from 'src/auth/roles.decorator';
import { API_PREFIX, ROOT_PATHS } from 'src/create-app';
import { createTestApp, type TestApp } from '../app';

type HTTPMethods = NonNullable<InjectOptions['method']>;

// A route of the test's own with neither marking, to see the walk catch one.
@Controller('test-unmarked')
class UnmarkedController {
  @Get()
  open() {
    return { open: true };
  }
}

@Module({ controllers: [UnmarkedController] })
class UnmarkedModule {}

interface Route {
  readonly method: HTTPMethods;
  /** As Fastify knows it: `/api/v1/charters/:version`. */
  readonly path: string;
  readonly handler: string;
  readonly isPublic: boolean;
  readonly roles: readonly string[];
}

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
function walkRoutes(t: TestApp): Route[] {
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
              path: path ?? `(not registered) ${join(base, own)}`,
              handler: `${controller.name}.${name}`,
              isPublic: metadata<boolean>(IS_PUBLIC, handler, controller) === true,
              roles: metadata<string[]>(ROLES_KEY, handler, controller) ?? [],
            });
          }
        }
      }
    }
  }
  return routes;
}

const describeRoute = (r: Route) => `${r.method} ${r.path} (${r.handler})`;

// Values that pass no particular check: the guard must answer before any pipe looks at them.
const sample = (param: string) =>
  /id$/i.test(param) ? '00000000-0000-4000-8000-000000000000' : 'x';

describe('routes', () => {
  let t: TestApp;
  let routes: Route[];

  beforeAll(async () => {
    t = await createTestApp();
    routes = walkRoutes(t);
  });

  afterAll(async () => {
    await t.close();
  });

  it('finds the routes it knows of, so that the walk is not vacuous', () => {
    const found = routes.map((r) => `${r.method} ${r.path}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'GET /health',
        'GET /api/v1/charters',
        'GET /api/v1/charters/:version',
        'GET /api/v1/charters/draft',
        'POST /api/v1/charters',
        'PATCH /api/v1/charters/:version/rules',
        'PUT /api/v1/charters/:version/commitments/:code',
        'DELETE /api/v1/charters/:version/commitments/:code',
        'POST /api/v1/charters/:version/publish',
        'GET /api/v1/journal',
      ]),
    );
    expect(routes.length).toBeGreaterThanOrEqual(10);
  });

  it('finds every route registered in Fastify', () => {
    expect(routes.filter((r) => r.path.startsWith('(not registered)')).map(describeRoute)).toEqual(
      [],
    );
  });

  it('marks every route either @Public() or with the @Roles() it admits', () => {
    const unguarded = routes.filter((r) => !r.isPublic && r.roles.length === 0);
    expect(unguarded.map(describeRoute)).toEqual([]);
  });

  it('never marks a route both @Public() and with @Roles()', () => {
    expect(routes.filter((r) => r.isPublic && r.roles.length > 0).map(describeRoute)).toEqual([]);
  });

  it('keeps the root paths public', () => {
    const atRoot = routes.filter((r) => !r.path.startsWith(`/${API_PREFIX}/`));
    expect(atRoot.length).toBeGreaterThan(0);
    for (const route of atRoot) {
      expect(ROOT_PATHS.some((p) => route.path.startsWith(`/${p.split('/')[0]}`))).toBe(true);
      expect({ route: describeRoute(route), isPublic: route.isPublic }).toEqual({
        route: describeRoute(route),
        isPublic: true,
      });
    }
  });

  it('names a route that has neither marking, which the guard then refuses to everyone', async () => {
    const other = await createTestApp({ extraModules: [UnmarkedModule] });
    try {
      const unguarded = walkRoutes(other).filter((r) => !r.isPublic && r.roles.length === 0);
      expect(unguarded.map(describeRoute)).toEqual([
        'GET /api/v1/test-unmarked (UnmarkedController.open)',
      ]);
      const res = await other.request({ method: 'GET', url: '/api/v1/test-unmarked' });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'AUTH.ROUTE_NOT_OPEN' });
    } finally {
      await other.close();
    }
  });

  it('answers 401 problem+json on every non-public route called without a token', async () => {
    const guarded = routes.filter((r) => !r.isPublic);
    expect(guarded.length).toBeGreaterThan(0);
    const answers = await Promise.all(
      guarded.map(async (route) => {
        const url = route.path.replace(/:(\w+)/g, (_, param: string) => sample(param));
        const res = await t.request({ method: route.method, url });
        return {
          route: describeRoute(route),
          status: res.statusCode,
          type: res.headers['content-type'],
          code: res.json<{ code?: string }>().code,
        };
      }),
    );
    for (const answer of answers) {
      expect(answer).toEqual({
        route: answer.route,
        status: 401,
        type: expect.stringMatching(/^application\/problem\+json/),
        code: 'AUTH.INVALID_TOKEN',
      });
    }
  });
});
