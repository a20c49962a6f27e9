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
    ['MIGRATION_DATABASE_URL', 'mysql://owner@h/d'],
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

  describe('MIGRATION_DATABASE_URL', () => {
    it('is kept beside DATABASE_URL', () => {
      const env = validateEnvironment({
        DATABASE_URL: 'postgres://app@h/d',
        MIGRATION_DATABASE_URL: 'postgres://owner@h/d',
      });
      expect(env.MIGRATION_DATABASE_URL).toBe('postgres://owner@h/d');
      expect(env.DATABASE_URL).toBe('postgres://app@h/d');
    });

    it('is refused without DATABASE_URL, in one line', () => {
      expect(() => validateEnvironment({ MIGRATION_DATABASE_URL: 'postgres://owner@h/d' })).toThrow(
        /^Invalid configuration: MIGRATION_DATABASE_URL needs DATABASE_URL [^\n]*$/,
      );
    });
  });

  describe('CORS_ORIGINS', () => {
    it('is unset by default, so that no CORS headers are sent', () => {
      expect(validateEnvironment({}).CORS_ORIGINS).toBeUndefined();
      expect(validateEnvironment({ CORS_ORIGINS: '' }).CORS_ORIGINS).toBeUndefined();
    });

    it('reads a comma-separated list of origins', () => {
      expect(
        validateEnvironment({
          CORS_ORIGINS: 'https://app.example.org, http://localhost:5173,https://[::1]:8443',
        }).CORS_ORIGINS,
      ).toEqual(['https://app.example.org', 'http://localhost:5173', 'https://[::1]:8443']);
    });

    it.each([
      '*',
      'app.example.org',
      'https://app.example.org/',
      'https://app.example.org/app',
      'https://app.example.org?x=1',
      'ftp://app.example.org',
      'https://App.Example.org',
      'https://user@app.example.org',
      'https://app.example.org,',
      'https://a.example.org,,https://b.example.org',
    ])('refuses %s in one line naming the variable', (value) => {
      const attempt = () => validateEnvironment({ CORS_ORIGINS: value });
      expect(attempt).toThrow(ConfigurationError);
      expect(attempt).toThrow(
        /^Invalid configuration: CORS_ORIGINS must be comma-separated http\(s\) origins without a path [^\n]*\(got ".*"\)$/,
      );
    });
  });

  describe('DOCS_ENABLED', () => {
    const production = {
      NODE_ENV: 'production',
      JWT_SECRET: 'f3a1c9d27b4e8a6f0c5d2e9b7a1f4c8d3e6b0a9f2c7d5e1b8a4f6c3d9e2b7a0f',
      CERT_SIGNING_KEY_FILE: '/run/secrets/signing.pem',
      PUBLIC_BASE_URL: 'https://charte.example.ma',
      SMTP_URL: 'smtp://mail.example.ma:587',
    };

    it('is on by default outside production and off in production', () => {
      expect(validateEnvironment({}).DOCS_ENABLED).toBe(true);
      expect(validateEnvironment({ NODE_ENV: 'test' }).DOCS_ENABLED).toBe(true);
      expect(validateEnvironment(production).DOCS_ENABLED).toBe(false);
    });

    it('follows the setting when given', () => {
      expect(validateEnvironment({ DOCS_ENABLED: 'false' }).DOCS_ENABLED).toBe(false);
      expect(validateEnvironment({ DOCS_ENABLED: 'FALSE' }).DOCS_ENABLED).toBe(false);
      expect(validateEnvironment({ ...production, DOCS_ENABLED: 'true' }).DOCS_ENABLED).toBe(true);
    });

    it.each(['yes', '1', 'off'])('refuses %s in one line naming the variable', (value) => {
      expect(() => validateEnvironment({ DOCS_ENABLED: value })).toThrow(
        new RegExp(
          `^Invalid configuration: DOCS_ENABLED must be true or false \\(got "${value}"\\)$`,
        ),
      );
    });
  });

  describe('JWT_SECRET in production', () => {
    const production = {
      NODE_ENV: 'production',
      CERT_SIGNING_KEY_FILE: '/run/secrets/k.pem',
      PUBLIC_BASE_URL: 'https://charte.example.ma',
      SMTP_URL: 'smtp://mail.example.ma:587',
    };

    it.each([
      ['32 hexadecimal characters (16 bytes)', 'f3a1c9d27b4e8a6f0c5d2e9b7a1f4c8d'],
      [
        '63 hexadecimal characters',
        'f3a1c9d27b4e8a6f0c5d2e9b7a1f4c8d3e6b0a9f2c7d5e1b8a4f6c3d9e2b7a0',
      ],
      ['a repeated word', 'secretsecretsecretsecretsecretsecret'],
      ['one character repeated', 'x'.repeat(64)],
    ])('refuses %s in one line, without showing it', (_label, secret) => {
      const attempt = () => validateEnvironment({ ...production, JWT_SECRET: secret });
      expect(attempt).toThrow(ConfigurationError);
      expect(attempt).toThrow(
        /^Invalid configuration: JWT_SECRET is too weak for production [^\n]*$/,
      );
      expect(attempt).not.toThrow(secret);
    });

    it.each([
      [
        '64 hexadecimal characters',
        'f3a1c9d27b4e8a6f0c5d2e9b7a1f4c8d3e6b0a9f2c7d5e1b8a4f6c3d9e2b7a0f',
      ],
      ['32 random bytes in base64url', 'q8Zt3vN0yR_5mK2wXb9Lc-Hf7Pj4sUdA1eGiQoTnVkY'],
    ])('accepts %s', (_label, secret) => {
      expect(validateEnvironment({ ...production, JWT_SECRET: secret }).JWT_SECRET).toBe(secret);
    });

    it('keeps accepting a shorter secret outside production', () => {
      const secret = 'secretsecretsecretsecretsecretsecret';
      expect(validateEnvironment({ JWT_SECRET: secret }).JWT_SECRET).toBe(secret);
    });
  });

  describe('emails', () => {
    const production = {
      NODE_ENV: 'production',
      JWT_SECRET: 'f3a1c9d27b4e8a6f0c5d2e9b7a1f4c8d3e6b0a9f2c7d5e1b8a4f6c3d9e2b7a0f',
      CERT_SIGNING_KEY_FILE: '/run/secrets/signing.pem',
      PUBLIC_BASE_URL: 'https://charte.example.ma',
    };

    it.each([
      ['nothing set', 'files', {}],
      ['under test', 'files', { NODE_ENV: 'test' }],
      ['SMTP_URL', 'smtp', { SMTP_URL: 'smtp://mail.example.ma:587' }],
      ['SMTP_HOST', 'smtp', { SMTP_HOST: 'mail.example.ma' }],
      ['MAIL_TRANSPORT=files', 'files', { MAIL_TRANSPORT: 'files' }],
      ['SMTP_URL in production', 'smtp', { ...production, SMTP_URL: 'smtp://mail.example.ma:587' }],
      [
        'SMTP_HOST and MAIL_TRANSPORT=smtp in production',
        'smtp',
        { ...production, SMTP_HOST: 'mail.example.ma', MAIL_TRANSPORT: 'smtp' },
      ],
      ['MAIL_TRANSPORT=files in production', 'files', { ...production, MAIL_TRANSPORT: 'files' }],
    ])('with %s, sends by %s', (_label, transport, env) => {
      expect(validateEnvironment(env).MAIL_TRANSPORT).toBe(transport);
    });

    it('are refused in production without an SMTP server, unless files are chosen, in one line', () => {
      const attempt = () => validateEnvironment(production);
      expect(attempt).toThrow(ConfigurationError);
      expect(attempt).toThrow(
        /^Invalid configuration: SMTP_URL or SMTP_HOST is required in production \(or MAIL_TRANSPORT=files [^\n]*\)$/,
      );
      expect(() => validateEnvironment({ ...production, SMTP_URL: '' })).toThrow(
        'SMTP_URL or SMTP_HOST is required in production',
      );
    });

    it('refuses an SMTP transport without a server, and files beside a server', () => {
      expect(() => validateEnvironment({ MAIL_TRANSPORT: 'smtp' })).toThrow(
        /^Invalid configuration: MAIL_TRANSPORT=smtp needs SMTP_URL or SMTP_HOST$/,
      );
      expect(() =>
        validateEnvironment({ MAIL_TRANSPORT: 'files', SMTP_HOST: 'mail.example.ma' }),
      ).toThrow(/^Invalid configuration: MAIL_TRANSPORT=files sends nothing to SMTP_URL [^\n]*$/);
      expect(() => validateEnvironment({ MAIL_TRANSPORT: 'eml' })).toThrow(
        /^Invalid configuration: MAIL_TRANSPORT must be one of the following values: smtp, files \(got "eml"\)$/,
      );
    });

    it('need PUBLIC_BASE_URL in production, for their links', () => {
      const { PUBLIC_BASE_URL: _, ...withoutAddress } = production;
      const attempt = () => validateEnvironment({ ...withoutAddress, MAIL_TRANSPORT: 'files' });
      expect(attempt).toThrow(
        /^Invalid configuration: PUBLIC_BASE_URL is required in production [^\n]*$/,
      );
      expect(() =>
        validateEnvironment({ ...withoutAddress, PUBLIC_BASE_URL: '', MAIL_TRANSPORT: 'files' }),
      ).toThrow('PUBLIC_BASE_URL is required in production');
      expect(validateEnvironment({ MAIL_TRANSPORT: 'files' }).PUBLIC_BASE_URL).toBe(
        'http://localhost:3000',
      );
    });

    it.each([
      ['', 365],
      ['30', 30],
      ['3650', 3650],
    ])('keep sent notifications NOTIFY_RETENTION_DAYS=%s days', (value, days) => {
      expect(validateEnvironment({ NOTIFY_RETENTION_DAYS: value }).NOTIFY_RETENTION_DAYS).toBe(
        days,
      );
    });

    it.each(['29', '0', 'forever'])('refuse NOTIFY_RETENTION_DAYS=%s in one line', (value) => {
      expect(() => validateEnvironment({ NOTIFY_RETENTION_DAYS: value })).toThrow(
        new RegExp(`^Invalid configuration: NOTIFY_RETENTION_DAYS .*\\(got "${value}"\\)$`),
      );
    });
  });
});
