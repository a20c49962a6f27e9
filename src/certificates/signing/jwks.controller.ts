import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { JWK } from 'jose';
import { Public } from 'src/auth/public.decorator';
import { CertificateSigningService } from 'src/certificates/signing/certificate-signing.service';

/** Keys change only at a rotation, and a new key is published before it signs. */
const JWKS_MAX_AGE_SECONDS = 300;

@ApiTags('certificates')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly signing: CertificateSigningService) {}

  @Get('jwks.json')
  @Public()
  @Header('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  @ApiOperation({
    summary: 'The public keys that verify certificate tokens (JWK Set, RFC 7517)',
    description:
      'Every Ed25519 key that signs certificates, or signed one that has not expired; `kid` is ' +
      'the RFC 7638 thumbprint.',
  })
  @ApiOkResponse({ description: 'The JWK Set' })
  jwks(): Promise<{ keys: JWK[] }> {
    return this.signing.jwks();
  }
}
