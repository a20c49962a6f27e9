import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
  validateSync,
} from 'class-validator';
import { isIP } from 'node:net';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const STORAGE_DRIVERS = ['local', 's3'] as const;
export const MAIL_TRANSPORTS = ['smtp', 'files'] as const;

/** An S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens. */
const BUCKET_NAME = /^(?=.{3,63}$)[a-z0-9][a-z0-9.-]*[a-z0-9]$/;

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

const toBoolean = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^(true|false)$/i.test(value.trim())
    ? value.trim().toLowerCase() === 'true'
    : value;

const toList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.split(',').map((item) => item.trim()) : value;

/** A comma-separated list of addresses and CIDR blocks; `none` is the empty list. */
const toAddressList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim().toLowerCase() === 'none' ? [] : toList({ value });

/** An address (`10.0.0.7`, `::1`) or a block in CIDR notation (`10.0.0.0/8`, `fd00::/8`). */
export function isAddressOrBlock(value: unknown): boolean {
  if (typeof value !== 'string') {
    return false;
  }
  const [address, prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (!family || rest.length > 0) {
    return false;
  }
  return (
    prefix === undefined ||
    (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128))
  );
}

/** An origin as browsers send it: scheme, lower-case host and optional port; no path. */
const ORIGIN =
  /^https?:\/\/([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(:\d{1,5})?$/;

/**
 * Whether a secret is too weak to sign tokens in production: fewer than 32 bytes (64 characters
 * when written in hexadecimal, 32 bytes of key), or made of fewer than 8 distinct characters.
 */
export function isWeakSecret(secret: string): boolean {
  const hex = /^[0-9a-f]+$/i.test(secret);
  const bytes = hex ? secret.length / 2 : Buffer.byteLength(secret, 'utf8');
  return bytes < 32 || new Set(secret).size < 8;
}

/** The environment variables the service reads, with their defaults. */
export class EnvironmentVariables {
  @IsIn(NODE_ENVS)
  readonly NODE_ENV: (typeof NODE_ENVS)[number] = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  readonly PORT: number = 3000;

  @IsString()
  @MinLength(1)
  readonly HOST: string = '0.0.0.0';

  /** PostgreSQL to use; without it the embedded engine under DATA_DIR serves. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// or postgresql:// URL' })
  readonly DATABASE_URL?: string;

  /**
   * PostgreSQL as the role that owns the schema, for migrations only; the application then runs
   * with DATABASE_URL (a role without DDL rights). Unset, DATABASE_URL does both.
   */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// or postgresql:// URL' })
  readonly MIGRATION_DATABASE_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  readonly DATABASE_POOL_SIZE: number = 10;

  /**
   * How long a request whose connection was lost during COMMIT waits for the database to say
   * whether the change was stored, before answering 503 SERVICE.COMMIT_IN_DOUBT.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(120_000)
  readonly COMMIT_RESOLUTION_WAIT_MS: number = 30_000;

  @IsString()
  @MinLength(1)
  readonly DATA_DIR: string = './data';

  @IsIn(LOG_LEVELS)
  readonly LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  /** Public address of the service, used in links printed on certificates. */
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  readonly PUBLIC_BASE_URL: string = 'http://localhost:3000';

  /** Where the local-disk storage keeps evidence and PDFs; defaults to DATA_DIR/files. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  readonly FILES_DIR?: string;

  /** Where evidence and certificate PDFs are kept: `local` (FILES_DIR) or `s3` (S3_BUCKET). */
  @IsIn(STORAGE_DRIVERS)
  readonly STORAGE_DRIVER: (typeof STORAGE_DRIVERS)[number] = 'local';

  /** An S3-compatible server (MinIO, Ceph, Garage…); unset, AWS S3 in S3_REGION. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  readonly S3_ENDPOINT?: string;

  @IsString()
  @MinLength(1)
  readonly S3_REGION: string = 'us-east-1';

  /** The bucket of the S3 storage; required with STORAGE_DRIVER=s3. */
  @IsOptional()
  @Matches(BUCKET_NAME, {
    message: 'must be a bucket name: 3 to 63 lower-case letters, digits, dots and hyphens',
  })
  readonly S3_BUCKET?: string;

  /** Both or neither; unset, the AWS SDK's default credentials (AWS_* variables, roles). */
  @IsOptional()
  @IsString()
  readonly S3_ACCESS_KEY_ID?: string;

  @IsOptional()
  @IsString()
  readonly S3_SECRET_ACCESS_KEY?: string;

  /** The bucket in the URL's path rather than in its host name: MinIO and most other servers. */
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  readonly S3_FORCE_PATH_STYLE: boolean = false;

  /** How long opening a connection to the S3 server may take, in milliseconds. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  readonly S3_CONNECT_TIMEOUT_MS: number = 5_000;

  /**
   * How long a call to the S3 server may wait for its answer (its body sent: up to a 5 MiB part),
   * and how long a connection may then stay silent, in milliseconds. A call is tried three times.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  readonly S3_REQUEST_TIMEOUT_MS: number = 10_000;

  /**
   * Uploads to the bucket at a time in each instance (one of 15 MiB holds up to about 25 MiB of
   * memory); the others wait their turn, 30 s at most, then get 503.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  readonly S3_MAX_UPLOADS: number = 8;

  /** Largest evidence file accepted, in bytes. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024 * 1024)
  readonly EVIDENCE_MAX_BYTES: number = 15 * 1024 * 1024;

  /** Signs access tokens (HS256); at least 32 bytes. Required in production. */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters long' })
  readonly JWT_SECRET?: string;

  /**
   * The Ed25519 private key (PKCS#8 PEM) that signs certificates. Required in production;
   * otherwise the newest key of DATA_DIR/keys, generated at first start.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  readonly CERT_SIGNING_KEY_FILE?: string;

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(3600)
  readonly ACCESS_TOKEN_TTL_SECONDS: number = 900;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(365)
  readonly REFRESH_TOKEN_TTL_DAYS: number = 30;

  /** The first administrator, created at start-up when there is none. */
  @IsOptional()
  @IsEmail({}, { message: 'must be an email address' })
  readonly ADMIN_EMAIL?: string;

  @IsOptional()
  @IsString()
  @MinLength(12, { message: 'must be at least 12 characters long' })
  readonly ADMIN_PASSWORD?: string;

  /** Number of reverse proxies in front of the service whose X-Forwarded-For is trusted. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10)
  readonly TRUST_PROXY_HOPS: number = 0;

  /**
   * Requests per minute that one client address may make to the public certificate routes, counted
   * in each instance's memory.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  readonly PUBLIC_RATE_LIMIT_PER_MINUTE: number = 120;

  /**
   * Requests per minute that one client address may make to the public account routes (password
   * reset, its confirmation, accepting an invitation), counted in each instance's memory.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  readonly ACCOUNT_RATE_LIMIT_PER_MINUTE: number = 10;

  /**
   * Origins whose browsers may call the API, comma-separated (`https://app.example.org`); unset,
   * no CORS headers are sent.
   */
  @IsOptional()
  @Transform(toList)
  @Matches(ORIGIN, {
    each: true,
    message: 'must be comma-separated http(s) origins without a path (https://app.example.org)',
  })
  readonly CORS_ORIGINS?: string[];

  /**
   * The SMTP server that sends emails, as a URL (`smtp://user:password@host:587`,
   * `smtps://host:465`); or give SMTP_HOST and its companions. Without either, messages are
   * written as `.eml` files under OUTBOX_DIR, which production accepts only with
   * MAIL_TRANSPORT=files.
   */
  @IsOptional()
  @Matches(/^smtps?:\/\/\S+$/, { message: 'must be an smtp:// or smtps:// URL' })
  readonly SMTP_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  readonly SMTP_HOST?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  readonly SMTP_PORT: number = 587;

  @IsOptional()
  @IsString()
  @MinLength(1)
  readonly SMTP_USER?: string;

  @IsOptional()
  @IsString()
  readonly SMTP_PASSWORD?: string;

  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  readonly SMTP_SECURE?: boolean;

  /** The sender of every email: an address, or `Name <address>`. */
  @IsString()
  @Matches(/^([^<>\r\n]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/, {
    message: 'must be an email address, or a name and an address in <>',
  })
  readonly MAIL_FROM: string = 'Charte sanitaire <no-reply@localhost>';

  /** Where messages are written as `.eml` files when no SMTP server is set; DATA_DIR/outbox. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  readonly OUTBOX_DIR?: string;

  /**
   * `smtp` (needs SMTP_URL or SMTP_HOST) or `files` (`.eml` files under OUTBOX_DIR). Unset: `smtp`
   * when an SMTP server is set; otherwise `files`, except in production, which refuses to start
   * rather than leave every email on its disk.
   */
  @IsOptional()
  @IsIn(MAIL_TRANSPORTS)
  readonly MAIL_TRANSPORT!: (typeof MAIL_TRANSPORTS)[number];

  /** Attempts to send one message before it is marked failed and shown to administrators. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  readonly NOTIFY_MAX_ATTEMPTS: number = 8;

  /** Wait after the first failed attempt, in seconds; doubled after each further failure. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(86_400)
  readonly NOTIFY_RETRY_BASE_SECONDS: number = 60;

  /** How often each instance looks for messages to send, in seconds. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  readonly NOTIFY_DISPATCH_INTERVAL_SECONDS: number = 15;

  /** Sent notifications older than this many days are deleted, from the outbox and the inbox. */
  @Transform(toInt)
  @IsInt()
  @Min(30)
  @Max(36_500)
  readonly NOTIFY_RETENTION_DAYS: number = 365;

  /** Serves the API documentation at /docs; by default on, except in production. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  readonly DOCS_ENABLED!: boolean;

  /**
   * Bearer token that opens GET /metrics from any address; unset, only the addresses of
   * METRICS_ALLOW may read it.
   */
  @IsOptional()
  @IsString()
  readonly METRICS_TOKEN?: string;

  /** Client addresses and CIDR blocks that may read GET /metrics without a token (`none`: no one). */
  @Transform(toAddressList)
  @ValidateBy({
    name: 'isAddressList',
    validator: {
      validate: (value: unknown) => Array.isArray(value) && value.every(isAddressOrBlock),
      defaultMessage: () =>
        'must be comma-separated addresses or CIDR blocks (127.0.0.1, 10.0.0.0/8, ::1), or none',
    },
  })
  readonly METRICS_ALLOW: string[] = ['127.0.0.0/8', '::1'];
}

const OPTIONAL_VARIABLES = [
  'DATABASE_URL',
  'MIGRATION_DATABASE_URL',
  'JWT_SECRET',
  'ADMIN_EMAIL',
  'ADMIN_PASSWORD',
  'FILES_DIR',
  'S3_ENDPOINT',
  'S3_BUCKET',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'CERT_SIGNING_KEY_FILE',
  'CORS_ORIGINS',
  'DOCS_ENABLED',
  'METRICS_TOKEN',
  'SMTP_URL',
  'SMTP_HOST',
  'SMTP_USER',
  'SMTP_PASSWORD',
  'SMTP_SECURE',
  'OUTBOX_DIR',
  'MAIL_TRANSPORT',
];
const TYPE_CONSTRAINTS = ['isInt', 'isIn', 'isBoolean', 'matches', 'isUrl', 'isString'];

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/**
 * Reads and checks the environment. Throws a {@link ConfigurationError} whose message is one line
 * naming the first bad variable, so that a wrong setting stops the start at once.
 */
export function validateEnvironment(env: Record<string, unknown>): EnvironmentVariables {
  const known = Object.keys(new EnvironmentVariables()).concat(OPTIONAL_VARIABLES);
  const present = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => known.includes(key) && value !== ''),
  );
  const config = plainToInstance(EnvironmentVariables, present, { exposeDefaultValues: true });
  const [first] = validateSync(config, { skipMissingProperties: false });
  if (first) {
    const constraints = first.constraints ?? {};
    // Say what the value should be before saying what range it missed.
    const key = TYPE_CONSTRAINTS.find((name) => name in constraints) ?? Object.keys(constraints)[0];
    const message = (key && constraints[key]) ?? 'is invalid';
    const shown = JSON.stringify(present[first.property] ?? first.value);
    throw new ConfigurationError(
      `Invalid configuration: ${first.property} ${message.replace(`${first.property} `, '')} (got ${shown})`,
    );
  }
  if (config.MIGRATION_DATABASE_URL && !config.DATABASE_URL) {
    throw new ConfigurationError(
      'Invalid configuration: MIGRATION_DATABASE_URL needs DATABASE_URL (the embedded engine has one role)',
    );
  }
  if (config.STORAGE_DRIVER === 's3' && !config.S3_BUCKET) {
    throw new ConfigurationError('Invalid configuration: STORAGE_DRIVER=s3 needs S3_BUCKET');
  }
  if (!config.S3_ACCESS_KEY_ID !== !config.S3_SECRET_ACCESS_KEY) {
    throw new ConfigurationError(
      'Invalid configuration: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together (or neither, for the AWS default credentials)',
    );
  }
  if (config.NODE_ENV === 'production' && !config.JWT_SECRET) {
    throw new ConfigurationError('Invalid configuration: JWT_SECRET is required in production');
  }
  if (config.NODE_ENV === 'production' && isWeakSecret(config.JWT_SECRET ?? '')) {
    throw new ConfigurationError(
      'Invalid configuration: JWT_SECRET is too weak for production (at least 32 random bytes, or 64 hexadecimal characters)',
    );
  }
  // Checked apart, so that the refusal never repeats the token.
  if (
    config.METRICS_TOKEN !== undefined &&
    !/^[A-Za-z0-9._~+/-]{16,}=*$/.test(config.METRICS_TOKEN)
  ) {
    throw new ConfigurationError(
      'Invalid configuration: METRICS_TOKEN must be at least 16 characters among letters, digits and -._~+/ (openssl rand -hex 32)',
    );
  }
  if (config.NODE_ENV === 'production' && !config.CERT_SIGNING_KEY_FILE) {
    throw new ConfigurationError(
      'Invalid configuration: CERT_SIGNING_KEY_FILE is required in production',
    );
  }
  if (config.SMTP_URL && config.SMTP_HOST) {
    throw new ConfigurationError('Invalid configuration: set SMTP_URL or SMTP_HOST, not both');
  }
  (config as { DOCS_ENABLED: boolean }).DOCS_ENABLED ??= config.NODE_ENV !== 'production';
  checkEmailSettings(config, present);
  return config;
}

/**
 * Where emails go, and the address their links name. Production must say both: without them it
 * would "send" every email to files on its disk, with links to localhost.
 */
function checkEmailSettings(config: EnvironmentVariables, present: Record<string, unknown>) {
  const production = config.NODE_ENV === 'production';
  if (production && present.PUBLIC_BASE_URL === undefined) {
    throw new ConfigurationError(
      'Invalid configuration: PUBLIC_BASE_URL is required in production (the address in certificates and email links)',
    );
  }
  const smtp = Boolean(config.SMTP_URL || config.SMTP_HOST);
  if (config.MAIL_TRANSPORT === 'smtp' && !smtp) {
    throw new ConfigurationError(
      'Invalid configuration: MAIL_TRANSPORT=smtp needs SMTP_URL or SMTP_HOST',
    );
  }
  if (config.MAIL_TRANSPORT === 'files' && smtp) {
    throw new ConfigurationError(
      'Invalid configuration: MAIL_TRANSPORT=files sends nothing to SMTP_URL or SMTP_HOST: unset one or the other',
    );
  }
  if (production && !smtp && config.MAIL_TRANSPORT === undefined) {
    throw new ConfigurationError(
      'Invalid configuration: SMTP_URL or SMTP_HOST is required in production (or MAIL_TRANSPORT=files to write emails as .eml files under OUTBOX_DIR)',
    );
  }
  (config as { MAIL_TRANSPORT: string }).MAIL_TRANSPORT ??= smtp ? 'smtp' : 'files';
}
