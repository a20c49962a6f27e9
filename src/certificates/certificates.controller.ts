import { Body, Controller, Get, HttpCode, Post, Query, Res, StreamableFile } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type Actor, Ctx, CurrentActor, type RequestContext } from 'src/auth/request-context';
import { Roles } from 'src/auth/roles.decorator';
import { CertificateIssuanceService } from 'src/certificates/certificate-issuance.service';
import { CertificateLifecycleService } from 'src/certificates/certificate-lifecycle.service';
import {
  ApiCertificateNumberParam,
  CertificateNumberParam,
  CertificatePageResponse,
  CertificateQuery,
  CertificateResponse,
  RevokeCertificateRequest,
} from 'src/certificates/certificates.dto';
import { CertificatesService } from 'src/certificates/certificates.service';
import { ApiProblemResponses } from 'src/common/api-problem-responses';
import type { Page } from 'src/common/pagination';
import { ApiUuidParam, UuidParam } from 'src/common/request-params';
import { Idempotent } from 'src/idempotency/idempotent.decorator';

const MEMBER_SCOPE = 'A member: their company’s certificates only (another’s answers 404). ';

@ApiTags('certificates')
@Controller()
export class CertificatesController {
  constructor(
    private readonly certificates: CertificatesService,
    private readonly issuance: CertificateIssuanceService,
    private readonly lifecycle: CertificateLifecycleService,
  ) {}

  @Post('sites/:id/certificates')
  @Idempotent()
  @HttpCode(201)
  @Roles('admin')
  @ApiOperation({
    summary: 'Issue a certificate to a compliant or conditionally compliant site',
    description:
      'Rests on the site’s latest closed audit; valid from today to the end of the audit’s ' +
      'validity. Numbered AMRC-<year>-<5 digits> without gaps, signed, printed to PDF once. ' +
      'Supersedes the site’s active certificate. Another status: 422 ' +
      'CERTIFICATE.SITE_NOT_ELIGIBLE with `siteStatus` and `reasons`; an ended membership: 409.',
  })
  @ApiUuidParam()
  @ApiCreatedResponse({
    type: CertificateResponse,
    headers: { Location: { description: 'The certificate', schema: { type: 'string' } } },
  })
  @ApiProblemResponses(400, 404, 409, 422)
  async issue(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CertificateResponse> {
    const issued = await this.issuance.issue(ctx, actor, id);
    void reply.header('location', `/api/v1/certificates/${issued.number}`);
    return issued;
  }

  @Get('certificates')
  @Roles('admin', 'auditor', 'member')
  @ApiOperation({
    summary: 'Certificates, latest issued first',
    description: MEMBER_SCOPE + 'The status filter is on the status shown.',
  })
  @ApiOkResponse({ type: CertificatePageResponse })
  @ApiProblemResponses(400)
  list(
    @CurrentActor() actor: Actor,
    @Query() query: CertificateQuery,
  ): Promise<Page<CertificateResponse>> {
    return this.certificates.list(actor, query);
  }

  @Get('certificates/:number')
  @Roles('admin', 'auditor', 'member')
  @ApiOperation({ summary: 'A certificate by its number', description: MEMBER_SCOPE })
  @ApiCertificateNumberParam()
  @ApiOkResponse({ type: CertificateResponse })
  @ApiProblemResponses(400, 404)
  get(
    @CurrentActor() actor: Actor,
    @CertificateNumberParam() number: string,
  ): Promise<CertificateResponse> {
    return this.certificates.get(actor, number);
  }

  @Get('certificates/:number/pdf')
  @Roles('admin', 'auditor', 'member')
  @ApiOperation({
    summary: 'The certificate’s PDF, byte for byte as printed at issuance',
    description:
      MEMBER_SCOPE +
      'ETag is its SHA-256. Stored bytes that no longer match it are not served (409).',
  })
  @ApiCertificateNumberParam()
  @ApiProduces('application/pdf')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  @ApiProblemResponses(400, 404, 409, 503)
  async pdf(
    @CurrentActor() actor: Actor,
    @CertificateNumberParam() number: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    const { certificate, file } = await this.certificates.pdf(actor, number);
    void reply
      .header('etag', `"${certificate.pdfSha256}"`)
      .header('cache-control', 'private, no-cache')
      .header('x-content-type-options', 'nosniff');
    return new StreamableFile(file.stream, {
      type: 'application/pdf',
      disposition: `attachment; filename="${certificate.number}.pdf"`,
      length: file.size,
    });
  }

  @Post('certificates/:number/revoke')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: 'Revoke a certificate, with a reason: final',
    description:
      'Only an active one (valid or suspended, within validity); a revoked, expired or ' +
      'superseded one: 409 CERTIFICATE.ALREADY_FINAL naming its status.',
  })
  @ApiCertificateNumberParam()
  @ApiOkResponse({ type: CertificateResponse })
  @ApiProblemResponses(400, 404, 409)
  revoke(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @CertificateNumberParam() number: string,
    @Body() body: RevokeCertificateRequest,
  ): Promise<CertificateResponse> {
    return this.lifecycle.revoke(ctx, actor, number, body.reason);
  }
}
