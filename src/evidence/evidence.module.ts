import { Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EvidenceAttachment } from 'src/evidence/evidence-attachment.entity';
import { EvidenceController } from 'src/evidence/evidence.controller';
import { Evidence } from 'src/evidence/evidence.entity';
import { EvidenceService } from 'src/evidence/evidence.service';
import { MembersModule } from 'src/members/members.module';
import { SchedulerModule } from 'src/scheduler/scheduler.module';
import { SchedulerService } from 'src/scheduler/scheduler.service';
import { StorageModule } from 'src/storage/storage.module';

/** The scheduled job deleting unattached uploads older than 24 hours. */
export const EVIDENCE_SWEEP_JOB = 'evidence.sweep';
const SWEEP_EVERY_MS = 10 * 60 * 1000;

/**
 * Evidence files: upload, metadata, download, and the attachment of evidence to the records of
 * other features through {@link EvidenceService.attach}.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([Evidence, EvidenceAttachment]),
    MembersModule,
    StorageModule,
    SchedulerModule,
  ],
  controllers: [EvidenceController],
  providers: [EvidenceService],
  exports: [EvidenceService],
})
export class EvidenceModule implements OnModuleInit {
  constructor(
    private readonly scheduler: SchedulerService,
    private readonly evidence: EvidenceService,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      name: EVIDENCE_SWEEP_JOB,
      everyMs: SWEEP_EVERY_MS,
      run: (run) => this.evidence.sweepUnattached(run),
    });
  }
}
