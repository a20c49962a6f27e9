import {
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Post,
  Req,
  StreamableFile,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { type Actor, Ctx, CurrentActor, type RequestContext } from 'src/auth/request-context';
import { Roles } from 'src/auth/roles.decorator';
import { ApiProblemResponses } from 'src/common/api-problem-responses';
import { ApiUuidParam, UuidParam } from 'src/common/request-params';
import { EVIDENCE_MEDIA_TYPES } from 'src/evidence/content/detect-media-type';
import {
  EvidenceResponse,
  toEvidenceDownload,
  UploadEvidenceForm,
} from 'src/evidence/evidence.dto';
import { CloseUnreadUploadInterceptor } from 'src/evidence/close-unread-upload.interceptor';
import { multipartOf } from 'src/evidence/evidence-form';
import { EvidenceService } from 'src/evidence/evidence.service';
import { Idempotent } from 'src/idempotency/idempotent.decorator';

@ApiTags('evidence')
@Controller('evidence')
@Roles('admin', 'auditor', 'member')
export class EvidenceController {
  constructor(private readonly evidence: EvidenceService) {}

  @Post()
  @Idempotent()
  @UseInterceptors(CloseUnreadUploadInterceptor)
  @ApiOperation({
    summary: 'Upload an evidence file for a site',
    description:
      'multipart/form-data with `file` and `siteId`, in either order. The type is decided by ' +
      'the content (JPEG, PNG, WebP, HEIC, PDF; anything else, a truncated file or a declared ' +
      'type contradicting the content: 415); over EVIDENCE_MAX_BYTES: 413. Members upload for ' +
      'their own sites. An upload no record refers to is deleted after 24 hours.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadEvidenceForm })
  @ApiCreatedResponse({ type: EvidenceResponse })
  @ApiProblemResponses(400, 404, 409, 413, 415, 503)
  upload(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
  ): Promise<EvidenceResponse> {
    return this.evidence.upload(ctx, actor, multipartOf(request));
  }

  @Get(':id')
  @ApiOperation({ summary: 'An evidence’s metadata (a member: their company’s only)' })
  @ApiUuidParam()
  @ApiOkResponse({ type: EvidenceResponse })
  @ApiProblemResponses(400, 404)
  get(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<EvidenceResponse> {
    return this.evidence.get(actor, id);
  }

  @Get(':id/content')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Content-Security-Policy', 'sandbox')
  @Header('Cache-Control', 'private, no-store')
  @ApiOperation({
    summary: 'Download an evidence file',
    description:
      'Served as an attachment of its detected type, after checking it against its SHA-256: ' +
      'stored bytes that no longer match are not served (409 EVIDENCE.CONTENT_CORRUPT).',
  })
  @ApiUuidParam()
  @ApiProduces(...EVIDENCE_MEDIA_TYPES)
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  @ApiProblemResponses(400, 404, 409, 503)
  download(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
  ): Promise<StreamableFile> {
    return this.evidence.download(ctx, actor, id).then(toEvidenceDownload);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete an evidence no record refers to (its uploader only)',
    description: 'Once attached to a record it stays as long as the record refers to it (409).',
  })
  @ApiUuidParam()
  @ApiNoContentResponse()
  @ApiProblemResponses(400, 404, 409)
  remove(
    @Ctx() ctx: RequestContext,
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
  ): Promise<void> {
    return this.evidence.remove(ctx, actor, id);
  }
}
