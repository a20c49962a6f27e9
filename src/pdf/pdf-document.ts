import PDFDocument from 'pdfkit';
import {
  defaultFontSet,
  FONT_FILES,
  type FontFace,
  type FontSet,
  parsedFont,
  shareFaceWork,
} from 'src/pdf/pdf-fonts';

export type PdfDocument = PDFKit.PDFDocument;

export interface DocumentMetadata {
  readonly title: string;
  readonly author: string;
  readonly subject?: string;
  readonly keywords?: string;
  /** Printed as the creation date; with the same content and instant the bytes are the same. */
  readonly createdAt: Date;
  /** BCP 47 language of the document, for screen readers. */
  readonly lang?: string;
}

export const CREATOR = 'Charte sanitaire / Sanitary charter service';

/** A4 in points, with room at the bottom for the footer drawn inside the bottom margin. */
export const PAGE_MARGINS = { top: 50, bottom: 62, left: 50, right: 50 } as const;

/**
 * An A4 document with the service's fonts registered under `regular`, `bold` and `mono` and its
 * pages kept in memory so that footers can number them at the end. Its faces draw on the work
 * kept for every document (`shareFaceWork`): shaping, widths and font files.
 *
 * pdfkit's document ID is an MD5 of the info dictionary, CreationDate included, so the same
 * metadata gives the same ID and the output is byte for byte reproducible; put something unique
 * (the record's id) in `subject` or `keywords` so that two documents never share an ID.
 */
export function createDocument(
  metadata: DocumentMetadata,
  fonts: FontSet = defaultFontSet(),
): PdfDocument {
  const doc = new PDFDocument({
    // no Helvetica: pdfkit would read and parse its metrics for every document, never to use it
    font: null as unknown as string,
    size: 'A4',
    margins: { ...PAGE_MARGINS },
    bufferPages: true,
    displayTitle: true,
    lang: metadata.lang ?? 'fr',
    info: documentInfo(metadata),
  });
  // pdfkit numbers the faces in the order they are first selected: selected here in a fixed
  // order, the numbering and so the bytes do not depend on what the caches hold. A face selected
  // but never drawn with is not written.
  for (const face of Object.keys(FONT_FILES) as FontFace[]) {
    // pdfkit's types predate its support for parsed fonts
    doc.registerFont(face, parsedFont(fonts[face]) as unknown as Buffer);
    doc.font(face);
    shareFaceWork((doc as unknown as { _font: unknown })._font);
  }
  doc.font('regular');
  fontsOfDocuments.set(doc, fonts);
  return doc;
}

const fontsOfDocuments = new WeakMap<PdfDocument, FontSet>();

/** The faces a document was created with. */
export function documentFonts(doc: PdfDocument): FontSet {
  const fonts = fontsOfDocuments.get(doc);
  if (!fonts) {
    throw new Error('Not a document made by createDocument()');
  }
  return fonts;
}

function documentInfo(metadata: DocumentMetadata): PDFKit.DocumentInfo {
  // pdfkit hashes every key of the info into the document ID: an undefined one would throw
  return {
    Title: metadata.title,
    Author: metadata.author,
    ...(metadata.subject === undefined ? {} : { Subject: metadata.subject }),
    ...(metadata.keywords === undefined ? {} : { Keywords: metadata.keywords }),
    Creator: CREATOR,
    Producer: 'PDFKit',
    CreationDate: metadata.createdAt,
    ModDate: metadata.createdAt,
  };
}

/** Ends the document and gathers its bytes. */
export function documentToBuffer(doc: PdfDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}
