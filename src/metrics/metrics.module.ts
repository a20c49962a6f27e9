import { Module } from '@nestjs/common';
import { MetricsAccessGuard } from 'src/metrics/metrics-access.guard';
import { MetricsController } from 'src/metrics/metrics.controller';
import { MetricsService } from 'src/metrics/metrics.service';
import { SchedulerModule } from 'src/scheduler/scheduler.module';

/** GET /metrics: the instance's metrics in Prometheus format. */
@Module({
  imports: [SchedulerModule],
  controllers: [MetricsController],
  providers: [MetricsService, MetricsAccessGuard],
  exports: [MetricsService],
})
export class MetricsModule {}
