import { createTestApp, type TestApp } from '../app';
import { proxied, type TcpProxy } from '../tcp-proxy';

describe('when the database goes away', () => {
  let t: TestApp;
  let proxy: TcpProxy;

  beforeAll(async () => {
    t = await createTestApp({
      connectVia: async (url) => {
        const relay = await proxied(url);
        proxy = relay.proxy;
        return relay.url;
      },
    });
  });

  afterAll(async () => {
    await t.close();
    await proxy.cut();
  });

  it('answers /health with 503 and Retry-After while it is unreachable, and serves again when it returns', async () => {
    expect((await t.request({ method: 'GET', url: '/health' })).statusCode).toBe(200);

    await proxy.cut();
    const down = await t.request({ method: 'GET', url: '/health' });
    expect(down.statusCode).toBe(503);
    expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(down.headers['retry-after']).toBe('5');
    expect(down.json()).toMatchObject({ code: 'SERVICE.DATABASE_UNAVAILABLE' });
    // A request that needs the database fails cleanly too, without taking the process down.
    const charter = await t.request({ method: 'GET', url: '/api/v1/charters' });
    expect(charter.statusCode).toBe(503);
    expect(charter.headers['retry-after']).toBe('5');
    expect(charter.json()).toMatchObject({ code: 'SERVICE.DATABASE_UNAVAILABLE' });

    await proxy.start();
    const up = await t.request({ method: 'GET', url: '/health' });
    expect(up.statusCode).toBe(200);
    const again = await t.request({ method: 'GET', url: '/api/v1/charters' });
    expect(again.statusCode).toBe(200);
  });
});
