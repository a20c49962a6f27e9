import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  type HealthCheckResult,
  HealthCheckService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Public } from 'src/auth/public.decorator';
import { ApiProblemResponses } from 'src/common/api-problem-responses';
import { DATABASE_RETRY_AFTER_SECONDS } from 'src/common/problem-details.filter';
import { ServiceUnavailableError } from 'src/common/service-unavailable.error';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
  ) {}

  @Get()
  @Public()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ summary: 'Liveness and database readiness' })
  @ApiOkResponse({ description: 'The service and its database answer' })
  @ApiProblemResponses(503)
  async check(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.database.pingCheck('database', { timeout: 2000 }),
      ]);
    } catch {
      throw new ServiceUnavailableError(
        'SERVICE.DATABASE_UNAVAILABLE',
        'The database does not answer',
        {
          retryAfter: DATABASE_RETRY_AFTER_SECONDS,
          checks: { database: 'down' },
        },
      );
    }
  }
}
