import type { DataSource } from 'typeorm';

/**
 * Whether any record still names the stored content `sha256`. Storage is content-addressed and
 * shared: evidence and certificate PDFs with the same bytes are one file, so every table naming
 * content is asked before the file goes.
 */
export async function isContentReferenced(db: DataSource, sha256: string): Promise<boolean> {
  const [row] = await db.query<{ needed: boolean }[]>(
    `SELECT EXISTS (SELECT 1 FROM evidence WHERE sha256 = $1)
         OR EXISTS (SELECT 1 FROM certificate WHERE pdf_sha256 = $1) AS needed`,
    [sha256],
  );
  return row.needed;
}
