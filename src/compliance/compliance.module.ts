import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CharterModule } from 'src/charter/charter.module';
import { SiteComplianceHistory } from 'src/compliance/compliance-history.entity';
import { SiteCompliance } from 'src/compliance/compliance-status.entity';
import { ComplianceSweep } from 'src/compliance/compliance-sweep';
import { ComplianceController } from 'src/compliance/compliance.controller';
import { ComplianceService } from 'src/compliance/compliance.service';
import { SiteSuspension } from 'src/compliance/site-suspension.entity';
import { SiteSuspensionService } from 'src/compliance/site-suspension.service';
import { COMPLIANCE_INPUTS_LISTENER } from 'src/corrective-actions/compliance-inputs';
import { MembersModule } from 'src/members/members.module';
import { SchedulerModule } from 'src/scheduler/scheduler.module';

/**
 * Site status, history, suspension and the sweep. Global, so that the audits and corrective
 * actions find its listener without importing it (they are what it reads).
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([SiteCompliance, SiteComplianceHistory, SiteSuspension]),
    MembersModule,
    CharterModule,
    SchedulerModule,
  ],
  controllers: [ComplianceController],
  providers: [
    ComplianceService,
    SiteSuspensionService,
    ComplianceSweep,
    { provide: COMPLIANCE_INPUTS_LISTENER, useExisting: ComplianceService },
  ],
  exports: [COMPLIANCE_INPUTS_LISTENER, ComplianceService],
})
export class ComplianceModule {}
