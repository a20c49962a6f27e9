import Fastify from 'fastify';
import { frameworkErrorHandler } from 'src/common/problem-details.filter';

describe('frameworkErrorHandler', () => {
  const app = Fastify({ frameworkErrors: frameworkErrorHandler });
  app.get('/sites/:id', () => ({ ok: true }));

  afterAll(() => app.close());

  it('answers a URL with broken percent-encoding with a 400 problem document', async () => {
    const res = await app.inject({ method: 'GET', url: '/sites/%zz' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toEqual({
      type: 'urn:problem:request.bad_url',
      title: 'Bad Request',
      status: 400,
      detail: expect.stringContaining('%zz'),
      code: 'REQUEST.BAD_URL',
      instance: '/sites/%zz',
      requestId: expect.any(String),
    });
  });

  it('keeps the 4xx status Fastify gives, a path parameter too long for its router', async () => {
    const res = await app.inject({ method: 'GET', url: `/sites/${'a'.repeat(1_000)}` });
    expect(res.statusCode).toBe(414);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toMatchObject({ status: 414, code: 'HTTP.URI_TOO_LONG' });
  });
});
