import { Module } from '@nestjs/common';
import { SchedulerService } from 'src/scheduler/scheduler.service';

/** The periodic jobs' runner; a feature registers its jobs with {@link SchedulerService}. */
@Module({
  providers: [SchedulerService],
  exports: [SchedulerService],
})
export class SchedulerModule {}
