import { Controller, Get, Inject, Logger, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  type HealthCheckResult,
  HealthCheckService,
  type HealthIndicatorResult,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Public } from 'src/auth/public.decorator';
import { ApiProblemResponses } from 'src/common/api-problem-responses';
import { DATABASE_RETRY_AFTER_SECONDS } from 'src/common/problem-details.filter';
import { ServiceUnavailableError } from 'src/common/service-unavailable.error';
import { FILE_STORAGE, type FileStorage } from 'src/storage/file-storage';
import { STORAGE_RETRY_AFTER_SECONDS } from 'src/storage/storage.errors';

const PING_TIMEOUT_MS = 2000;
// /health is public: a store that answered is not asked again for this long, and never by two
// checks at once, so that polling /health cannot flood the bucket.
const STORAGE_UP_FOR_MS = 5000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  private readonly logger = new Logger(HealthController.name);
  private storageUpUntil = 0;
  private storagePing?: Promise<void>;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
  ) {}

  @Get()
  @Public()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ summary: 'Liveness, and readiness of the database and the file storage' })
  @ApiOkResponse({ description: 'The service, its database and its file storage answer' })
  @ApiProblemResponses(503)
  async check(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.database.pingCheck('database', { timeout: PING_TIMEOUT_MS }),
        () => this.storageCheck(),
      ]);
    } catch (error) {
      throw unavailable(error);
    }
  }

  private async storageCheck(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('storage');
    try {
      await this.pingStorage();
      return indicator.up();
    } catch (error) {
      this.logger.warn(`The file storage does not answer: ${String(error)}`);
      return indicator.down();
    }
  }

  private pingStorage(): Promise<void> {
    if (Date.now() < this.storageUpUntil) {
      return Promise.resolve();
    }
    this.storagePing ??= this.storage
      .ping()
      .then(() => {
        this.storageUpUntil = Date.now() + STORAGE_UP_FOR_MS;
      })
      .finally(() => {
        this.storagePing = undefined;
      });
    return this.storagePing;
  }
}

/** The 503 naming what is down: the database first, as nothing works without it. */
function unavailable(error: unknown): ServiceUnavailableError {
  const result =
    error instanceof ServiceUnavailableException
      ? (error.getResponse() as Partial<HealthCheckResult>)
      : {};
  const down = new Set(Object.keys(result.error ?? {}));
  const checks = { database: 'up', storage: down.has('storage') ? 'down' : 'up' };
  if (down.has('storage') && !down.has('database')) {
    return new ServiceUnavailableError(
      'SERVICE.STORAGE_UNAVAILABLE',
      'The file storage does not answer',
      { retryAfter: STORAGE_RETRY_AFTER_SECONDS, checks },
    );
  }
  return new ServiceUnavailableError(
    'SERVICE.DATABASE_UNAVAILABLE',
    'The database does not answer',
    {
      retryAfter: DATABASE_RETRY_AFTER_SECONDS,
      checks: { ...checks, database: 'down' },
    },
  );
}
