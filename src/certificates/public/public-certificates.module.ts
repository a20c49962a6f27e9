import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Certificate } from 'src/certificates/certificate.entity';
import { CertificateRegistryService } from 'src/certificates/public/certificate-registry.service';
import { CertificateVerificationService } from 'src/certificates/public/certificate-verification.service';
import { PublicCertificatesController } from 'src/certificates/public/public-certificates.controller';
import { PublicPagesController } from 'src/certificates/public/public-pages.controller';
import { PublicThrottleGuard } from 'src/certificates/public/public-throttle.guard';
import { CertificateSigningModule } from 'src/certificates/signing/certificate-signing.module';
import { StorageModule } from 'src/storage/storage.module';

/**
 * What the public sees of certificates: verification (JSON and page), the registry of certified
 * sites, "is this PDF genuine", and the PDF of a valid certificate. Read-only, throttled.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Certificate]), CertificateSigningModule, StorageModule],
  controllers: [PublicCertificatesController, PublicPagesController],
  providers: [CertificateVerificationService, CertificateRegistryService, PublicThrottleGuard],
})
export class PublicCertificatesModule {}
