import fc from 'fast-check';
import { ConfigurationError, validateEnvironment } from 'src/config/environment';

describe('validateEnvironment', () => {
  it('gives the defaults when nothing is set', () => {
    expect(validateEnvironment({})).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      DATA_DIR: './data',
      DATABASE_URL: undefined,
      DATABASE_POOL_SIZE: 10,
    });
  });

  it('converts numbers and keeps a PostgreSQL URL', () => {
    const env = validateEnvironment({ PORT: '8080', DATABASE_URL: 'postgres://u@h:5432/d' });
    expect(env.PORT).toBe(8080);
    expect(env.DATABASE_URL).toBe('postgres://u@h:5432/d');
  });

  it('treats an empty variable as unset', () => {
    expect(validateEnvironment({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['NODE_ENV', 'prod'],
    ['DATABASE_URL', 'mysql://u@h/d'],
    ['DATABASE_POOL_SIZE', '0'],
    ['LOG_LEVEL', 'loud'],
    ['PUBLIC_BASE_URL', 'not a url'],
    ['TRUST_PROXY_HOPS', '1.5'],
  ])('refuses %s=%s with one line naming the variable', (name, value) => {
    const attempt = () => validateEnvironment({ [name]: value });
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(new RegExp(`^Invalid configuration: ${name} .*\\(got "${value}"\\)$`));
  });

  it('ignores variables it does not know', () => {
    expect(() => validateEnvironment({ HOME: '/root', PATH: '/bin' })).not.toThrow();
  });

  it('accepts every valid port and refuses everything else, in one line', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (value) => {
        const valid = /^\s*\d+\s*$/.test(value) && Number(value) <= 65535;
        try {
          expect(validateEnvironment({ PORT: value }).PORT).toBe(
            value === '' ? 3000 : Number(value),
          );
          return valid || value === '';
        } catch (error) {
          expect(String((error as Error).message)).not.toContain('\n');
          return !valid;
        }
      }),
    );
  });
});
