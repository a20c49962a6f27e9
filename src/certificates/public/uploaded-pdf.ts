import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { DomainError, RequestValidationError } from 'src/common/errors';
import {
  NotAPdfError,
  NotMultipartPdfError,
  PdfTooLargeError,
} from 'src/certificates/public/public-certificates.errors';
import { MalformedMultipartError } from 'src/evidence/evidence.errors';

/** A certificate PDF is a few hundred kilobytes: ten megabytes leaves room for any re-save. */
export const VERIFY_PDF_MAX_BYTES = 10 * 1024 * 1024;

const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');

/**
 * The SHA-256 (hex) of the one file part `file` of a multipart request, streamed through the hash
 * and never held whole; refused unless its bytes start as a PDF's do.
 */
export async function sha256OfUploadedPdf(
  request: FastifyRequest,
  maxBytes = VERIFY_PDF_MAX_BYTES,
): Promise<string> {
  if (!request.isMultipart()) {
    throw new NotMultipartPdfError();
  }
  let digest: string | undefined;
  const parts = request.parts({ limits: { fileSize: maxBytes, files: 1, fields: 2, parts: 3 } });
  try {
    for await (const part of parts) {
      if (part.type === 'file' && part.fieldname === 'file' && digest === undefined) {
        digest = await hashPdf(part, maxBytes);
      } else {
        const message =
          part.fieldname !== 'file'
            ? 'is not allowed'
            : part.type === 'field'
              ? 'must be a file part (with a filename)'
              : 'must be given once';
        throw new RequestValidationError([{ field: part.fieldname, message }]);
      }
    }
  } catch (error) {
    throw asRequestError(error, maxBytes);
  }
  if (digest === undefined) {
    throw new RequestValidationError([
      { field: 'file', message: 'file is required, as a file part' },
    ]);
  }
  return digest;
}

async function hashPdf(part: MultipartFile, maxBytes: number): Promise<string> {
  const hash = createHash('sha256');
  let head = Buffer.alloc(0);
  for await (const chunk of part.file as AsyncIterable<Buffer>) {
    if (head.length < PDF_MAGIC.length) {
      head = Buffer.concat([head, chunk.subarray(0, PDF_MAGIC.length - head.length)]);
      if (head.length === PDF_MAGIC.length && !head.equals(PDF_MAGIC)) {
        throw new NotAPdfError();
      }
    }
    hash.update(chunk);
  }
  if (part.file.truncated) {
    throw new PdfTooLargeError(maxBytes);
  }
  if (!head.equals(PDF_MAGIC)) {
    throw new NotAPdfError();
  }
  return hash.digest('hex');
}

// The multipart plugin's limits carry their 4xx status; a body cut short is the client's fault.
function asRequestError(error: unknown, maxBytes: number): unknown {
  if (error instanceof DomainError) {
    return error;
  }
  const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
  if (code === 'FST_REQ_FILE_TOO_LARGE') {
    return new PdfTooLargeError(maxBytes);
  }
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return error;
  }
  return new MalformedMultipartError(error instanceof Error ? error.message : String(error));
}
