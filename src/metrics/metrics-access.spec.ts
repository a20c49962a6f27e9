import { ConfigurationError, validateEnvironment } from 'src/config/environment';
import { MetricsAccess } from 'src/metrics/metrics-access';

const TOKEN = 'b3f1c0de9a7e4d2b8c6f0a1e5d3c7b9f';

describe('MetricsAccess', () => {
  const loopbackOnly = new MetricsAccess({ allow: ['127.0.0.0/8', '::1'] });
  const withToken = new MetricsAccess({
    allow: ['127.0.0.0/8', '::1', '10.1.0.0/16'],
    token: TOKEN,
  });

  it.each([
    ['127.0.0.1', 'allowed'],
    ['127.3.2.1', 'allowed'],
    ['::1', 'allowed'],
    ['::ffff:127.0.0.1', 'allowed'],
    ['10.1.0.7', 'address_not_allowed'],
    ['192.0.2.10', 'address_not_allowed'],
    ['2001:db8::1', 'address_not_allowed'],
    ['::ffff:192.0.2.10', 'address_not_allowed'],
    ['not an address', 'address_not_allowed'],
  ])('by default serves %s: %s', (address, decision) => {
    expect(loopbackOnly.decide(address, undefined)).toBe(decision);
  });

  it.each([
    ['10.1.200.3', undefined, 'allowed'],
    ['192.0.2.10', `Bearer ${TOKEN}`, 'allowed'],
    ['192.0.2.10', `bearer ${TOKEN}`, 'allowed'],
    ['192.0.2.10', undefined, 'token_required'],
    ['192.0.2.10', `Basic ${TOKEN}`, 'token_required'],
    ['192.0.2.10', 'Bearer', 'token_required'],
    ['192.0.2.10', `Bearer ${TOKEN}x`, 'invalid_token'],
    ['192.0.2.10', `Bearer ${TOKEN.slice(1)}`, 'invalid_token'],
    ['192.0.2.10', 'Bearer x', 'invalid_token'],
  ])('with a token serves %s with %s: %s', (address, authorization, decision) => {
    expect(withToken.decide(address, authorization)).toBe(decision);
  });

  it('serves no address without a token when the list is empty', () => {
    const none = new MetricsAccess({ allow: [], token: TOKEN });
    expect(none.decide('127.0.0.1', undefined)).toBe('token_required');
    expect(none.decide('127.0.0.1', `Bearer ${TOKEN}`)).toBe('allowed');
  });

  it('takes single addresses as well as blocks', () => {
    const one = new MetricsAccess({ allow: ['192.0.2.10', 'fd00::/8'] });
    expect(one.decide('192.0.2.10', undefined)).toBe('allowed');
    expect(one.decide('192.0.2.11', undefined)).toBe('address_not_allowed');
    expect(one.decide('fd12:3456::1', undefined)).toBe('allowed');
  });
});

describe('the metrics settings', () => {
  it('allow loopback only by default, with no token', () => {
    expect(validateEnvironment({})).toMatchObject({
      METRICS_ALLOW: ['127.0.0.0/8', '::1'],
      METRICS_TOKEN: undefined,
    });
  });

  it.each([
    ['10.0.0.0/8, 192.0.2.7 ,::1', ['10.0.0.0/8', '192.0.2.7', '::1']],
    ['fd00::/8', ['fd00::/8']],
    ['none', []],
    ['NONE', []],
  ])('read METRICS_ALLOW=%s', (value, allow) => {
    expect(validateEnvironment({ METRICS_ALLOW: value }).METRICS_ALLOW).toEqual(allow);
  });

  it.each(['10.0.0.0/33', '::1/129', 'localhost', '10.0.0.0/8/1', '10.0.0.0/', '10.0.0.0/8,'])(
    'refuse METRICS_ALLOW=%s with one line naming the variable',
    (value) => {
      const attempt = () => validateEnvironment({ METRICS_ALLOW: value });
      expect(attempt).toThrow(ConfigurationError);
      expect(attempt).toThrow(/^Invalid configuration: METRICS_ALLOW must be comma-separated/);
    },
  );

  it.each(['short', 'has spaces in it, sixteen+', 'quote"d-0123456789abcdef'])(
    'refuse METRICS_TOKEN=%s without repeating it',
    (value) => {
      const attempt = () => validateEnvironment({ METRICS_TOKEN: value });
      expect(attempt).toThrow(/^Invalid configuration: METRICS_TOKEN must be at least 16/);
      expect(attempt).not.toThrow(value);
    },
  );

  it('keeps a strong token', () => {
    expect(validateEnvironment({ METRICS_TOKEN: TOKEN }).METRICS_TOKEN).toBe(TOKEN);
  });
});
