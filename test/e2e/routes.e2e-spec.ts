import { Controller, Get, Module } from '@nestjs/common';
import { API_PREFIX, ROOT_PATHS } from 'src/create-app';
import { createTestApp, type TestApp } from '../app';
import { NOT_REGISTERED, type Route, walkRoutes } from '../route-walk';

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
    expect(routes.filter((r) => r.path.startsWith(NOT_REGISTERED)).map(describeRoute)).toEqual([]);
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
