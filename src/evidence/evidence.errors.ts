import { ConflictError, DomainError, ForbiddenError, NotFoundError } from 'src/common/errors';

// A foreign id and a missing one get the very same answer.
export class EvidenceNotFoundError extends NotFoundError {
  constructor(field?: { name: string; id: string }) {
    super(
      'EVIDENCE.NOT_FOUND',
      field ? `${field.name}: no evidence ${field.id}` : 'No such evidence',
      field ? { errors: [{ field: field.name, message: `no evidence ${field.id}` }] } : {},
    );
  }
}

export class UnsupportedEvidenceTypeError extends DomainError {
  readonly status = 415;

  constructor(reason: string) {
    super(
      'EVIDENCE.UNSUPPORTED_TYPE',
      `${reason}. Accepted: JPEG, PNG, WebP and HEIC images, PDF documents`,
    );
  }
}

export class DeclaredTypeMismatchError extends DomainError {
  readonly status = 415;

  constructor(declared: string, detected: string) {
    super(
      'EVIDENCE.DECLARED_TYPE_MISMATCH',
      `The file part is declared ${declared} but its content is ${detected}`,
    );
  }
}

export class EvidenceTooLargeError extends DomainError {
  readonly status = 413;

  constructor(maxBytes: number) {
    super('EVIDENCE.TOO_LARGE', `An evidence file may hold at most ${maxBytes} bytes`, {
      maxBytes,
    });
  }
}

export class MalformedMultipartError extends DomainError {
  readonly status = 400;

  constructor(reason: string) {
    super('REQUEST.MALFORMED_MULTIPART', `The multipart body cannot be read: ${reason}`);
  }
}

export class NotMultipartError extends DomainError {
  readonly status = 415;

  constructor() {
    super(
      'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      'Send the evidence as multipart/form-data with the fields file and siteId',
    );
  }
}

export class UploadNotAllowedError extends ForbiddenError {
  constructor() {
    super('EVIDENCE.UPLOAD_NOT_ALLOWED', 'You may not upload evidence for this site', {
      errors: [{ field: 'siteId', message: 'is not a site you may upload evidence for' }],
    });
  }
}

export class SiteInactiveError extends ConflictError {
  constructor() {
    super('SITE.READ_ONLY', 'The membership of the organisation of this site has ended', {
      errors: [{ field: 'siteId', message: 'is a site of an ended membership' }],
    });
  }
}

export class NotUploaderError extends ForbiddenError {
  constructor() {
    super('EVIDENCE.NOT_UPLOADER', 'Only the person who uploaded an evidence may delete it');
  }
}

export class EvidenceAttachedError extends ConflictError {
  constructor() {
    super(
      'EVIDENCE.ATTACHED',
      'The evidence is attached to a record: it stays as long as the record refers to it',
    );
  }
}

export class EvidenceContentCorruptError extends ConflictError {
  constructor() {
    super(
      'EVIDENCE.CONTENT_CORRUPT',
      'The stored content of this evidence no longer matches its SHA-256; it is not served',
    );
  }
}

/** The site of an upload is missing, or another company's: the same 404 as SITE.NOT_FOUND. */
export class UploadSiteNotFoundError extends NotFoundError {
  constructor() {
    super('SITE.NOT_FOUND', 'siteId: no such site', {
      errors: [{ field: 'siteId', message: 'no such site' }],
    });
  }
}
