import { Controller, Get, Headers, Param, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from 'src/auth/public.decorator';
import { CertificateRegistryService } from 'src/certificates/public/certificate-registry.service';
import { canonicalNumber } from 'src/certificates/public/certificate-verification';
import { CertificateVerificationService } from 'src/certificates/public/certificate-verification.service';
import { negotiateLanguage, type PageLanguage } from 'src/certificates/public/page-language';
import {
  RegistryPageQuery,
  VerifyPageQuery,
} from 'src/certificates/public/public-certificates.dto';
import {
  PAGE_CSP,
  renderRegistryPage,
  renderUnknownPage,
  renderVerificationPage,
} from 'src/certificates/public/public-pages';
import { PublicThrottleGuard } from 'src/certificates/public/public-throttle.guard';
import { ApiProblemResponses } from 'src/common/api-problem-responses';

const HTML_PAGE = { content: { 'text/html': { schema: { type: 'string' } } } };

/** The HTML pages a QR code and a browser open, in French, English or Arabic. */
@ApiTags('public')
@Controller()
@Public()
@UseGuards(PublicThrottleGuard)
export class PublicPagesController {
  constructor(
    private readonly verification: CertificateVerificationService,
    private readonly registry: CertificateRegistryService,
  ) {}

  @Get('verify/:number')
  @ApiOperation({
    summary: 'The verification page of a certificate (what its QR code opens)',
    description:
      'Language by `?lang=`, else Accept-Language, else French. An unknown or malformed ' +
      'number: the page says `unknown`, with status 404.',
  })
  @ApiParam({ name: 'number', type: String, example: 'AMRC-2026-00042' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The page', ...HTML_PAGE })
  @ApiProblemResponses(400, 429)
  async verify(
    @Param('number') rawNumber: string,
    @Query() query: VerifyPageQuery,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const lang = this.page(reply, query.lang, acceptLanguage);
    const number = canonicalNumber(rawNumber);
    const found = number ? await this.verification.verify(number, query.t) : null;
    if (!found) {
      void reply.status(404);
      return renderUnknownPage({ number: rawNumber, malformed: !number, lang, token: query.t });
    }
    return renderVerificationPage({ verification: found, lang, token: query.t });
  }

  @Get('registry')
  @ApiOperation({
    summary: 'The registry of certified sites, as a page',
    description: 'The same search as GET /api/v1/public/registry.',
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The page', ...HTML_PAGE })
  @ApiProblemResponses(400, 429)
  async list(
    @Query() query: RegistryPageQuery,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const lang = this.page(reply, query.lang, acceptLanguage);
    return renderRegistryPage(await this.registry.search(query), query, lang);
  }

  /** Negotiates the language and sets the headers of a live, script-free page. */
  private page(
    reply: FastifyReply,
    requested: PageLanguage | undefined,
    acceptLanguage: string | undefined,
  ): PageLanguage {
    const lang = negotiateLanguage(requested, acceptLanguage);
    void reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-language', lang)
      .header('vary', 'accept-language')
      .header('cache-control', 'no-store')
      .header('content-security-policy', PAGE_CSP);
    return lang;
  }
}
