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
    storageDriver: env.STORAGE_DRIVER,
    s3: {
      endpoint: env.S3_ENDPOINT,
      region: env.S3_REGION,
      bucket: env.S3_BUCKET,
      accessKeyId: env.S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY,
      forcePathStyle: env.S3_FORCE_PATH_STYLE,
      connectTimeoutMs: env.S3_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: env.S3_REQUEST_TIMEOUT_MS,
      maxUploads: env.S3_MAX_UPLOADS,
    },
    evidenceMaxBytes: env.EVIDENCE_MAX_BYTES,
    logLevel: env.LOG_LEVEL,
    publicBaseUrl: env.PUBLIC_BASE_URL.replace(/\/+$/, ''),
    trustProxyHops: env.TRUST_PROXY_HOPS,
    publicRateLimitPerMinute: env.PUBLIC_RATE_LIMIT_PER_MINUTE,
    accountRateLimitPerMinute: env.ACCOUNT_RATE_LIMIT_PER_MINUTE,
    jwtSecret: env.JWT_SECRET,
    certSigningKeyFile: env.CERT_SIGNING_KEY_FILE && resolve(env.CERT_SIGNING_KEY_FILE),
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlDays: env.REFRESH_TOKEN_TTL_DAYS,
    adminEmail: env.ADMIN_EMAIL?.toLowerCase(),
    adminPassword: env.ADMIN_PASSWORD,
    metrics: {
      token: env.METRICS_TOKEN,
      allow: env.METRICS_ALLOW,
    },
    mail: {
      smtpUrl: env.SMTP_URL,
      smtpHost: env.SMTP_HOST,
      smtpPort: env.SMTP_PORT,
      smtpUser: env.SMTP_USER,
      smtpPassword: env.SMTP_PASSWORD,
      smtpSecure: env.SMTP_SECURE ?? env.SMTP_PORT === 465,
      from: env.MAIL_FROM,
      outboxDir: resolve(env.OUTBOX_DIR ?? join(env.DATA_DIR, 'outbox')),
      transport: env.MAIL_TRANSPORT,
      maxAttempts: env.NOTIFY_MAX_ATTEMPTS,
      retryBaseMs: env.NOTIFY_RETRY_BASE_SECONDS * 1000,
      dispatchIntervalMs: env.NOTIFY_DISPATCH_INTERVAL_SECONDS * 1000,
      retentionDays: env.NOTIFY_RETENTION_DAYS,
    },
  };
});

export type AppConfig = ConfigType<typeof appConfig>;
