import { Module } from '@nestjs/common';
import { StatsController } from 'src/stats/stats.controller';
import { StatsService } from 'src/stats/stats.service';

/** Sector statistics: read-only, set-based SQL over the members, audits and compliance tables. */
@Module({
  controllers: [StatsController],
  providers: [StatsService],
  exports: [StatsService],
})
export class StatsModule {}
