import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from 'src/auth/auth.module';
import { JournalModule } from 'src/journal/journal.module';
import { MembersModule } from 'src/members/members.module';
import { EvidenceModule } from 'src/evidence/evidence.module';
import { SchedulerModule } from 'src/scheduler/scheduler.module';
import { SelfAssessmentsModule } from 'src/self-assessments/self-assessments.module';
import { StorageModule } from 'src/storage/storage.module';
import { AuditsModule } from 'src/audits/audits.module';
import { CorrectiveActionsModule } from 'src/corrective-actions/corrective-actions.module';
import { ComplianceModule } from 'src/compliance/compliance.module';
import { StatsModule } from 'src/stats/stats.module';
import { CharterModule } from 'src/charter/charter.module';
import { CertificateSigningModule } from 'src/certificates/signing/certificate-signing.module';
import { CertificatesModule } from 'src/certificates/certificates.module';
import { PublicCertificatesModule } from 'src/certificates/public/public-certificates.module';
import { ProblemDetailsFilter } from 'src/common/problem-details.filter';
import { appConfig } from 'src/config/app-config';
import { DatabaseModule } from 'src/database/database.module';
import type { DatabaseTarget } from 'src/database/database-target';
import { HealthModule } from 'src/health/health.module';
import { IdempotencyModule } from 'src/idempotency/idempotency.module';
import { NotificationsModule } from 'src/notifications/notifications.module';
import { MetricsModule } from 'src/metrics/metrics.module';

@Module({})
export class AppModule {
  static forRoot(database: DatabaseTarget, extraModules: Type[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [appConfig] }),
        DatabaseModule.forRoot(database),
        HealthModule,
        MetricsModule,
        JournalModule,
        AuthModule,
        MembersModule,
        CharterModule,
        SchedulerModule,
        IdempotencyModule,
        StorageModule,
        EvidenceModule,
        SelfAssessmentsModule,
        AuditsModule,
        CorrectiveActionsModule,
        ComplianceModule,
        StatsModule,
        CertificateSigningModule,
        CertificatesModule,
        PublicCertificatesModule,
        NotificationsModule,
        ...extraModules,
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
    };
  }
}
