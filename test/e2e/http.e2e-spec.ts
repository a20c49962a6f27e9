import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { Public } from 'src/auth/public.decorator';
import { createTestApp, type TestApp } from '../app';

class EchoAddress {
  @IsString()
  @MaxLength(20)
  readonly city!: string;
}

class EchoBody {
  @IsInt()
  @Min(0)
  @Max(10)
  readonly count!: number;

  @ValidateNested()
  @Type(() => EchoAddress)
  readonly address!: EchoAddress;
}

// A JSON route of the test's own, to see the application's body handling end to end.
@Controller('test-echo')
class EchoController {
  @Post()
  @Public()
  @HttpCode(200)
  echo(@Body() body: EchoBody) {
    return body;
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

const expectProblem = (
  res: { statusCode: number; headers: Record<string, unknown>; json: () => unknown },
  status: number,
) => {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json() as Record<string, unknown>;
  expect(body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
  expect(typeof body.detail).toBe('string');
  expect(typeof body.code).toBe('string');
  expect(typeof body.requestId).toBe('string');
  return body;
};

describe('HTTP contract', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ extraModules: [EchoModule] });
  });

  afterAll(async () => {
    await t.close();
  });

  it('reports health with the database up', async () => {
    const res = await t.request({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('answers an unknown route with 404 problem+json', async () => {
    expectProblem(await t.request({ method: 'GET', url: '/api/v1/nothing-here' }), 404);
  });

  it('answers a URL it cannot route (broken percent-encoding) with 400 problem+json', async () => {
    const body = expectProblem(await t.request({ method: 'GET', url: '/api/v1/sites/%zz' }), 400);
    expect(body.code).toBe('REQUEST.BAD_URL');
  });

  it('answers malformed JSON with 400 problem+json', async () => {
    const body = expectProblem(
      await t.request({
        method: 'POST',
        url: '/api/v1/test-echo',
        headers: { 'content-type': 'application/json' },
        payload: '{"count": ',
      }),
      400,
    );
    expect(body.code).toBe('REQUEST.MALFORMED_JSON');
  });

  it('answers an unsupported content type with 415 problem+json', async () => {
    const body = expectProblem(
      await t.request({
        method: 'POST',
        url: '/api/v1/test-echo',
        headers: { 'content-type': 'application/x-unknown' },
        payload: 'version=2020.2',
      }),
      415,
    );
    expect(body.code).toBe('REQUEST.UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers a JSON body over 1 MB with 413 problem+json', async () => {
    const body = expectProblem(
      await t.request({
        method: 'POST',
        url: '/api/v1/test-echo',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ padding: 'x'.repeat(1024 * 1024) }),
      }),
      413,
    );
    expect(body.code).toBe('REQUEST.BODY_TOO_LARGE');
  });

  it('refuses a __proto__ key as malformed', async () => {
    const body = expectProblem(
      await t.request({
        method: 'POST',
        url: '/api/v1/test-echo',
        headers: { 'content-type': 'application/json' },
        payload: '{"count": 1, "address": {"city": "Fès"}, "__proto__": {"admin": true}}',
      }),
      400,
    );
    expect(body.code).toBe('REQUEST.MALFORMED_JSON');
  });

  it('refuses a body nested too deeply to be read safely, naming the field', async () => {
    const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    for (const [payload, field] of [
      [`{"count": 1, "address": ${deep(10_000)}}`, 'address'],
      [deep(10_000), 'body'],
      [`{"count": 1, "address": ${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`, 'address'],
    ]) {
      const body = expectProblem(
        await t.request({
          method: 'POST',
          url: '/api/v1/test-echo',
          headers: { 'content-type': 'application/json' },
          payload,
        }),
        400,
      );
      expect(body.code).toBe('REQUEST.VALIDATION_FAILED');
      expect(body.errors).toEqual([{ field, message: 'is nested more than 32 levels deep' }]);
    }
  });

  it('accepts a valid body', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/test-echo',
      payload: { count: 3, address: { city: 'Fès' } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ count: 3, address: { city: 'Fès' } });
  });

  it('names every invalid field, nested ones by their path, and refuses unknown fields', async () => {
    const body = expectProblem(
      await t.request({
        method: 'POST',
        url: '/api/v1/test-echo',
        payload: { count: 11, address: { city: 'x'.repeat(21), zip: 1 }, role: 'admin' },
      }),
      400,
    );
    expect(body.code).toBe('REQUEST.VALIDATION_FAILED');
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { field: 'count', message: 'count must not be greater than 10' },
        { field: 'address.city', message: expect.stringContaining('shorter than or equal to 20') },
        { field: 'address.zip', message: 'is not allowed' },
        { field: 'role', message: 'is not allowed' },
      ]),
    );
  });

  it('names the invalid field of a bad parameter', async () => {
    const body = expectProblem(await t.request({ method: 'GET', url: '/api/v1/charters/x' }), 400);
    expect(body.errors).toEqual([{ field: 'version', message: 'version must look like 2020.1' }]);
  });

  it('echoes a sane request id and replaces an unsafe one', async () => {
    const kept = await t.request({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await t.request({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'bad id\u0000' },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends security headers', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/charters' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['strict-transport-security']).toBeDefined();
  });

  it('serves the OpenAPI document and its UI', async () => {
    const spec = await t.request({ method: 'GET', url: '/docs-json' });
    expect(spec.statusCode).toBe(200);
    expect(spec.json().paths['/api/v1/charters/{version}']).toBeDefined();
    const ui = await t.request({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
  });
});
