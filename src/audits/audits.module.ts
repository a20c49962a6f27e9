import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditFinding } from 'src/audits/audit-finding.entity';
import { AuditPlanningService } from 'src/audits/audit-planning.service';
import { AuditReportService } from 'src/audits/audit-report.service';
import { AuditReturn } from 'src/audits/audit-return.entity';
import { AuditReviewService } from 'src/audits/audit-review.service';
import { AuditWorkService } from 'src/audits/audit-work.service';
import { Audit } from 'src/audits/audit.entity';
import { AuditsController } from 'src/audits/audits.controller';
import { AuditsService } from 'src/audits/audits.service';
import { CharterModule } from 'src/charter/charter.module';
import { CorrectiveActionsModule } from 'src/corrective-actions/corrective-actions.module';
import { EvidenceModule } from 'src/evidence/evidence.module';
import { MembersModule } from 'src/members/members.module';
import { NotificationsModule } from 'src/notifications/notifications.module';

@Module({
  imports: [
    TypeOrmModule.forFeature([Audit, AuditFinding, AuditReturn]),
    CharterModule,
    MembersModule,
    EvidenceModule,
    CorrectiveActionsModule,
    NotificationsModule,
  ],
  controllers: [AuditsController],
  providers: [
    AuditsService,
    AuditPlanningService,
    AuditWorkService,
    AuditReviewService,
    AuditReportService,
  ],
  exports: [AuditsService],
})
export class AuditsModule {}
