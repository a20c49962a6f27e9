import {
  Controller,
  Get,
  HttpCode,
  Inject,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from 'src/auth/public.decorator';
import {
  ApiCertificateNumberParam,
  CertificateNumberParam,
} from 'src/certificates/certificates.dto';
import { CertificateRegistryService } from 'src/certificates/public/certificate-registry.service';
import { CertificateVerificationService } from 'src/certificates/public/certificate-verification.service';
import {
  CertificateVerificationResponse,
  PdfMatchResponse,
  publicLinks,
  RegistryPageResponse,
  RegistrySearchQuery,
  toRegistryEntryResponse,
  toVerificationResponse,
  VerifyPdfForm,
} from 'src/certificates/public/public-certificates.dto';
import { UnknownCertificateError } from 'src/certificates/public/public-certificates.errors';
import { PublicThrottleGuard } from 'src/certificates/public/public-throttle.guard';
import { sha256OfUploadedPdf, VERIFY_PDF_MAX_BYTES } from 'src/certificates/public/uploaded-pdf';
import {
  ApiVerificationQuery,
  VerificationQueryParam,
  type VerificationParams,
} from 'src/certificates/public/verification-query';
import { ApiProblemResponses } from 'src/common/api-problem-responses';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { CloseUnreadUploadInterceptor } from 'src/evidence/close-unread-upload.interceptor';

const THROTTLED = 'Throttled per client address (429 with Retry-After). ';

/** What anyone may ask of a certificate, without an account. */
@ApiTags('public')
@Controller('public')
@Public()
@UseGuards(PublicThrottleGuard)
export class PublicCertificatesController {
  private readonly baseUrl: string;

  constructor(
    private readonly verification: CertificateVerificationService,
    private readonly registry: CertificateRegistryService,
    @Inject(appConfig.KEY) config: AppConfig,
  ) {
    this.baseUrl = config.publicBaseUrl;
  }

  @Get('certificates/:number')
  @ApiOperation({
    summary: 'The live status of a certificate, its printed record and dates',
    description:
      THROTTLED +
      'With `?t=` (the token of its QR code) also whether that token is genuine, unexpired, ' +
      'of this certificate and binding this record. An unknown number: 404 with ' +
      '`certificateStatus: unknown`; a malformed one: 400.',
  })
  @ApiCertificateNumberParam()
  @ApiVerificationQuery()
  @ApiOkResponse({ type: CertificateVerificationResponse })
  @ApiProblemResponses(400, 404, 429)
  async get(
    @CertificateNumberParam() number: string,
    @VerificationQueryParam() query: VerificationParams,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CertificateVerificationResponse> {
    const found = await this.verification.verify(number, query.t);
    if (!found) {
      throw new UnknownCertificateError(number);
    }
    void reply.header('cache-control', 'no-store');
    return toVerificationResponse(found, this.baseUrl);
  }

  @Get('certificates/:number/pdf')
  @ApiOperation({
    summary: 'The stakeholders’ copy: the PDF of a valid certificate',
    description:
      THROTTLED +
      'Byte for byte as issued. Only while the certificate is valid: otherwise 410 ' +
      'CERTIFICATE.NOT_VALID naming its `certificateStatus` (a suspended one may come back).',
  })
  @ApiCertificateNumberParam()
  @ApiProduces('application/pdf')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  @ApiProblemResponses(400, 404, 409, 410, 429, 503)
  async pdf(
    @CertificateNumberParam() number: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    const file = await this.verification.pdf(number);
    void reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
    return new StreamableFile(file.stream, {
      type: 'application/pdf',
      disposition: `inline; filename="${file.number}.pdf"`,
      length: file.size,
    });
  }

  @Post('verify-pdf')
  @HttpCode(200)
  @UseInterceptors(CloseUnreadUploadInterceptor)
  @ApiOperation({
    summary: 'Is this PDF file an issued certificate?',
    description:
      THROTTLED +
      'multipart/form-data with one file part `file`. Compared by the SHA-256 of its bytes: ' +
      'any change, even a re-save, makes it no match. Not a PDF: 415 CERTIFICATE.NOT_A_PDF; ' +
      `over ${VERIFY_PDF_MAX_BYTES} bytes: 413.`,
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: VerifyPdfForm })
  @ApiOkResponse({ type: PdfMatchResponse })
  @ApiProblemResponses(400, 413, 415, 429)
  async verifyPdf(@Req() request: FastifyRequest): Promise<PdfMatchResponse> {
    const match = await this.verification.matchPdf(await sha256OfUploadedPdf(request));
    return match.match
      ? { ...match, verificationUrl: publicLinks(this.baseUrl, match.number).verificationUrl }
      : match;
  }

  @Get('registry')
  @ApiOperation({
    summary: 'The registry of certified sites',
    description:
      THROTTLED +
      'Sites whose certificate is valid now (suspended ones are left out), ordered by ' +
      'company, city, site and number; searched by company (`q`) and `city`, in any case ' +
      'and with or without accents.',
  })
  @ApiOkResponse({ type: RegistryPageResponse })
  @ApiProblemResponses(400, 429)
  async list(@Query() query: RegistrySearchQuery): Promise<RegistryPageResponse> {
    const page = await this.registry.search(query);
    return {
      ...page,
      items: page.items.map((entry) => toRegistryEntryResponse(entry, this.baseUrl)),
    };
  }
}
