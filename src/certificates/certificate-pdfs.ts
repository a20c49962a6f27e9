import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Certificate } from 'src/certificates/certificate.entity';
import { verificationUrl } from 'src/certificates/certificates.dto';
import { CertificatePdfUnavailableError } from 'src/certificates/certificates.errors';
import { renderCertificatePdf } from 'src/certificates/render-certificate';
import { appConfig, type AppConfig } from 'src/config/app-config';
import {
  FILE_STORAGE,
  type FileStorage,
  type StoredFile,
  StoredFileError,
} from 'src/storage/file-storage';

/** What a certificate's PDF is rendered from: columns of its row, all fixed at issuance. */
export type RenderedCertificate = Pick<
  Certificate,
  'id' | 'number' | 'printed' | 'token' | 'issuedAt'
>;

/** A certificate's PDF in memory, with the SHA-256 and size its row records. */
export interface CertificatePdf {
  readonly bytes: Buffer;
  readonly sha256: string;
  readonly size: number;
}

/**
 * Certificate PDFs: rendered from the row, stored under their SHA-256 once the row is committed,
 * and served from storage, or rendered again from the row when storage has lost them (or never
 * got them: storing after an issuance may fail, the issuance stands).
 *
 * Rendering is deterministic (the only date is `issuedAt`), so the bytes rendered again are the
 * bytes issued, as long as PUBLIC_BASE_URL (in the QR code), the layout and the fonts are those
 * of the issuance. They are served only if they hash to the row's `pdfSha256`.
 */
@Injectable()
export class CertificatePdfs {
  private readonly logger = new Logger(CertificatePdfs.name);
  /** Renderings in progress by SHA-256: a burst of requests for one lost PDF renders it once. */
  private readonly rendering = new Map<string, Promise<CertificatePdf>>();

  constructor(
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  /** The PDF of the certificate, in memory: no storage involved, safe inside a transaction. */
  async render(certificate: RenderedCertificate): Promise<CertificatePdf> {
    const bytes = await renderCertificatePdf({
      certificateId: certificate.id,
      record: certificate.printed,
      verificationUrl: verificationUrl(
        this.config.publicBaseUrl,
        certificate.number,
        certificate.token,
      ),
      issuedAt: certificate.issuedAt,
    });
    return { bytes, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
  }

  /**
   * Stores the PDF (stage → publish → settle). Only once the row naming it is committed: a
   * removal of the same content running meanwhile then sees the row and keeps or restores it.
   * Outside any transaction, as all storage I/O.
   */
  async store(pdf: CertificatePdf): Promise<void> {
    const staged = await this.storage.stage(Readable.from(pdf.bytes));
    try {
      if (staged.sha256 !== pdf.sha256) {
        throw new Error(`PDF ${pdf.sha256} staged as ${staged.sha256}`);
      }
      await staged.publish();
      await staged
        .settle()
        .catch((error: unknown) =>
          this.logger.warn(`Certificate PDF ${pdf.sha256}: staging not settled: ${String(error)}`),
        );
    } finally {
      await staged.discard();
    }
  }

  /**
   * The certificate's PDF, checked against its SHA-256 before the first byte goes out. Missing
   * from storage: rendered again from the row and, when the bytes hash to `pdfSha256`, stored
   * again and served. Corrupt content is not rendered over: it is an operator's finding (the
   * drivers would not all replace it either).
   * @throws CertificatePdfUnavailableError when it is corrupt, or missing and not rendered alike
   */
  async open(
    certificate: RenderedCertificate & Pick<Certificate, 'pdfSha256'>,
  ): Promise<StoredFile> {
    try {
      return await this.storage.get(certificate.pdfSha256);
    } catch (error) {
      if (!(error instanceof StoredFileError)) {
        throw error;
      }
      if (error.reason === 'corrupt') {
        this.logger.error(
          `Certificate ${certificate.number}: stored PDF ${certificate.pdfSha256} is corrupt (its bytes hash to ${error.actualSha256})`,
        );
        throw new CertificatePdfUnavailableError();
      }
    }
    const pdf = await this.renderAgain(certificate);
    return { size: pdf.size, stream: Readable.from(pdf.bytes) };
  }

  private renderAgain(
    certificate: RenderedCertificate & Pick<Certificate, 'pdfSha256'>,
  ): Promise<CertificatePdf> {
    const { pdfSha256 } = certificate;
    let rendering = this.rendering.get(pdfSha256);
    if (!rendering) {
      rendering = this.restore(certificate).finally(() => this.rendering.delete(pdfSha256));
      this.rendering.set(pdfSha256, rendering);
    }
    return rendering;
  }

  private async restore(
    certificate: RenderedCertificate & Pick<Certificate, 'pdfSha256'>,
  ): Promise<CertificatePdf> {
    const { number, pdfSha256 } = certificate;
    const pdf = await this.render(certificate);
    if (pdf.sha256 !== pdfSha256) {
      this.logger.error(
        `Certificate ${number}: stored PDF ${pdfSha256} is missing, and rendering it again from its record gives other bytes (${pdf.sha256}): PUBLIC_BASE_URL, the certificate layout or its fonts have changed since its issuance`,
      );
      throw new CertificatePdfUnavailableError();
    }
    // Served even if storing fails: the bytes are the ones issued, checked above.
    await this.store(pdf).then(
      () =>
        this.logger.warn(
          `Certificate ${number}: stored PDF ${pdfSha256} was missing, rendered again from its record and stored`,
        ),
      (error: unknown) =>
        this.logger.error(
          `Certificate ${number}: stored PDF ${pdfSha256} is missing, rendered again from its record but not stored: ${String(error)}`,
        ),
    );
    return pdf;
  }
}
