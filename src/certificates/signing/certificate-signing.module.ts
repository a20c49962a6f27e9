import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CertificateSigningKey } from 'src/certificates/signing/certificate-signing-key.entity';
import { CertificateSigningService } from 'src/certificates/signing/certificate-signing.service';
import { JwksController } from 'src/certificates/signing/jwks.controller';

@Module({
  imports: [TypeOrmModule.forFeature([CertificateSigningKey])],
  controllers: [JwksController],
  providers: [CertificateSigningService],
  exports: [CertificateSigningService],
})
export class CertificateSigningModule {}
