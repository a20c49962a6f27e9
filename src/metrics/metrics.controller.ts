import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from 'src/auth/public.decorator';
import { MetricsAccessGuard } from 'src/metrics/metrics-access.guard';
import { METRICS_CONTENT_TYPE, MetricsService } from 'src/metrics/metrics.service';

/**
 * Prometheus's scrape target, at the root like /health. Not part of the public API document:
 * it is for the operators' monitoring, opened by address or token (METRICS_ALLOW, METRICS_TOKEN)
 * rather than by a user's role.
 */
@ApiExcludeController()
@Controller('metrics')
@Public()
@UseGuards(MetricsAccessGuard)
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('content-type', METRICS_CONTENT_TYPE)
  @Header('cache-control', 'no-store')
  scrape(): Promise<string> {
    return this.metrics.exposition();
  }
}
