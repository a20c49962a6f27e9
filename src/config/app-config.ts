import { type ConfigType, registerAs } from '@nestjs/config';
import { join, resolve } from 'node:path';
import { validateEnvironment } from 'src/config/environment';

/** The service's typed configuration, derived from the validated environment. */
export const appConfig = registerAs('app', () => {
  const env = validateEnvironment(process.env);
  return {
    env: env.NODE_ENV,
    production: env.NODE_ENV === 'production',
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    dataDir: resolve(env.DATA_DIR),
    filesDir: resolve(env.FILES_DIR ?? join(env.DATA_DIR, 'files')),
    evidenceMaxBytes: env.EVIDENCE_MAX_BYTES,
    logLevel: env.LOG_LEVEL,
    publicBaseUrl: env.PUBLIC_BASE_URL.replace(/\/+$/, ''),
    trustProxyHops: env.TRUST_PROXY_HOPS,
    publicRateLimitPerMinute: env.PUBLIC_RATE_LIMIT_PER_MINUTE,
    jwtSecret: env.JWT_SECRET,
    certSigningKeyFile: env.CERT_SIGNING_KEY_FILE && resolve(env.CERT_SIGNING_KEY_FILE),
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlDays: env.REFRESH_TOKEN_TTL_DAYS,
    adminEmail: env.ADMIN_EMAIL?.toLowerCase(),
    adminPassword: env.ADMIN_PASSWORD,
  };
});

export type AppConfig = ConfigType<typeof appConfig>;
