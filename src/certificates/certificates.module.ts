import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Certificate } from 'src/certificates/certificate.entity';
import { CertificateIssuanceService } from 'src/certificates/certificate-issuance.service';
import { CertificateLifecycleService } from 'src/certificates/certificate-lifecycle.service';
import { CertificatePdfs } from 'src/certificates/certificate-pdfs';
import { CertificatesController } from 'src/certificates/certificates.controller';
import { CertificatesService } from 'src/certificates/certificates.service';
import { CertificateSigningModule } from 'src/certificates/signing/certificate-signing.module';
import { SITE_STATUS_LISTENER } from 'src/compliance/status-events';
import { MEMBERSHIP_LISTENER } from 'src/members/membership-events';
import { MembersModule } from 'src/members/members.module';
import { NotificationsModule } from 'src/notifications/notifications.module';
import { SchedulerModule } from 'src/scheduler/scheduler.module';
import { StorageModule } from 'src/storage/storage.module';

/**
 * Issuance, reads and lifecycle of certificates, and their PDFs. Global, so that the compliance
 * and members modules find its listeners without importing it (it reads them), and the public
 * module its {@link CertificatePdfs}: one per instance, so that a burst of requests for a lost
 * PDF renders it once.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([Certificate]),
    MembersModule,
    SchedulerModule,
    StorageModule,
    CertificateSigningModule,
    NotificationsModule,
  ],
  controllers: [CertificatesController],
  providers: [
    CertificatesService,
    CertificateIssuanceService,
    CertificateLifecycleService,
    CertificatePdfs,
    { provide: SITE_STATUS_LISTENER, useExisting: CertificateLifecycleService },
    { provide: MEMBERSHIP_LISTENER, useExisting: CertificateLifecycleService },
  ],
  exports: [
    CertificatesService,
    CertificateIssuanceService,
    CertificateLifecycleService,
    CertificatePdfs,
    SITE_STATUS_LISTENER,
    MEMBERSHIP_LISTENER,
  ],
})
export class CertificatesModule {}
