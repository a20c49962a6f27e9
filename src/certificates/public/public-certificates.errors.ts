import type { CertificateStatus } from 'src/certificates/certificate.entity';
import { DomainError, NotFoundError } from 'src/common/errors';

/** No certificate bears the number: the public status `unknown`. */
export class UnknownCertificateError extends NotFoundError {
  constructor(number: string) {
    super('CERTIFICATE.NOT_FOUND', `No certificate bears the number ${number}`, {
      certificateStatus: 'unknown',
    });
  }
}

/** The stakeholders' copy is served only while the certificate is valid. */
export class CertificateNotValidError extends DomainError {
  readonly status = 410;

  constructor(number: string, status: CertificateStatus) {
    super(
      'CERTIFICATE.NOT_VALID',
      `Certificate ${number} is ${status}: its PDF is served only while it is valid`,
      { certificateStatus: status },
    );
  }
}

export class NotAPdfError extends DomainError {
  readonly status = 415;

  constructor() {
    super('CERTIFICATE.NOT_A_PDF', 'file: the file is not a PDF (it does not start with %PDF-)', {
      errors: [{ field: 'file', message: 'is not a PDF (it does not start with %PDF-)' }],
    });
  }
}

export class PdfTooLargeError extends DomainError {
  readonly status = 413;

  constructor(maxBytes: number) {
    super('CERTIFICATE.PDF_TOO_LARGE', `file: a certificate PDF holds at most ${maxBytes} bytes`, {
      maxBytes,
      errors: [{ field: 'file', message: `is over ${maxBytes} bytes` }],
    });
  }
}

export class NotMultipartPdfError extends DomainError {
  readonly status = 415;

  constructor() {
    super(
      'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      'Send the PDF as multipart/form-data with one file part named file',
    );
  }
}
