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
  validateSync,
} from 'class-validator';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

const toBoolean = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^(true|false)$/i.test(value.trim())
    ? value.trim().toLowerCase() === 'true'
    : value;

const toList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.split(',').map((item) => item.trim()) : value;

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

  /** Serves the API documentation at /docs; by default on, except in production. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  readonly DOCS_ENABLED!: boolean;
}

const OPTIONAL_VARIABLES = [
  'DATABASE_URL',
  'MIGRATION_DATABASE_URL',
  'JWT_SECRET',
  'ADMIN_EMAIL',
  'ADMIN_PASSWORD',
  'FILES_DIR',
  'CERT_SIGNING_KEY_FILE',
  'CORS_ORIGINS',
  'DOCS_ENABLED',
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
  if (config.NODE_ENV === 'production' && !config.JWT_SECRET) {
    throw new ConfigurationError('Invalid configuration: JWT_SECRET is required in production');
  }
  if (config.NODE_ENV === 'production' && isWeakSecret(config.JWT_SECRET ?? '')) {
    throw new ConfigurationError(
      'Invalid configuration: JWT_SECRET is too weak for production (at least 32 random bytes, or 64 hexadecimal characters)',
    );
  }
  if (config.NODE_ENV === 'production' && !config.CERT_SIGNING_KEY_FILE) {
    throw new ConfigurationError(
      'Invalid configuration: CERT_SIGNING_KEY_FILE is required in production',
    );
  }
  (config as { DOCS_ENABLED: boolean }).DOCS_ENABLED ??= config.NODE_ENV !== 'production';
  return config;
}
