import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { isNotFound } from 'src/storage/s3-client';

/** What every object is stored as: the content's own type is in the records. */
export const CONTENT_TYPE = 'application/octet-stream';

/** The object operations the S3 driver is made of, on one bucket; a missing key is `null`. */
export class S3Bucket {
  constructor(
    readonly client: S3Client,
    readonly name: string,
  ) {}

  /** Resolves when the bucket answers within `timeoutMs`. */
  async answers(timeoutMs: number): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.name }), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
  }

  /** The object, only in the version `ifMatch` names when given (else a 412 error). */
  get(key: string, ifMatch?: string): Promise<GetObjectCommandOutput | null> {
    return this.orNull(
      this.client.send(new GetObjectCommand({ Bucket: this.name, Key: key, IfMatch: ifMatch })),
    );
  }

  async head(key: string): Promise<{ size: number; sha256?: string } | null> {
    const found = await this.orNull(
      this.client.send(new HeadObjectCommand({ Bucket: this.name, Key: key })),
    );
    return found && { size: found.ContentLength ?? 0, sha256: found.Metadata?.sha256 };
  }

  /** A server-side copy, labelled with the content's hash. Keys are hex, dots, dashes, slashes. */
  async copy(from: string, to: string, sha256: string): Promise<void> {
    await this.client.send(
      new CopyObjectCommand({
        Bucket: this.name,
        Key: to,
        CopySource: `${this.name}/${from}`,
        MetadataDirective: 'REPLACE',
        Metadata: { sha256 },
        ContentType: CONTENT_TYPE,
      }),
    );
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.name, Key: key }));
  }

  /** The keys under `prefix` last written before `before`. */
  async *olderThan(prefix: string, before: Date): AsyncGenerator<string> {
    const pages = paginateListObjectsV2(
      { client: this.client },
      { Bucket: this.name, Prefix: prefix },
    );
    for await (const page of pages) {
      for (const { Key, LastModified } of page.Contents ?? []) {
        if (Key && LastModified && LastModified < before) {
          yield Key;
        }
      }
    }
  }

  private orNull<T>(call: Promise<T>): Promise<T | null> {
    return call.catch((error: unknown) => {
      if (isNotFound(error)) {
        return null;
      }
      throw error;
    });
  }
}
