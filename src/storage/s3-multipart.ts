import {
  AbortMultipartUploadCommand,
  ListMultipartUploadsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Logger } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { CONTENT_TYPE } from 'src/storage/s3-bucket';
import { statusOf } from 'src/storage/s3-client';

// S3's smallest part. An upload holds the part it is filling and the one being sent: one part in
// flight at a time costs nothing for files of EVIDENCE_MAX_BYTES (15 MiB) or less, and halves
// the memory of two.
const PART_SIZE = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 1;

const logger = new Logger('S3Storage');

/**
 * Streams `body` to `key`: in a single PUT once it ends under one part, in parts otherwise.
 * Nothing is stored under the key unless every byte arrived: the parts of a failed multipart
 * upload are aborted here rather than by the SDK, so that a failed abort is logged, not lost.
 */
export async function uploadStreamed(
  client: S3Client,
  bucket: string,
  key: string,
  body: Readable,
): Promise<void> {
  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: body, ContentType: CONTENT_TYPE },
    partSize: PART_SIZE,
    queueSize: PARTS_IN_FLIGHT,
    leavePartsOnError: true,
  });
  try {
    await upload.done();
  } catch (error) {
    const uploadId = upload.uploadId;
    if (uploadId) {
      await client
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
        .catch((abortError: unknown) =>
          logger.warn(
            `Multipart upload ${uploadId} of ${key} not aborted (${String(abortError)}): its parts stay until the hourly clean-up or the bucket's own expiry clears them`,
          ),
        );
    }
    throw error;
  }
}

/**
 * Aborts the multipart uploads under `prefix` that started before `before`: a process that died
 * mid-upload leaves its parts, which are billed. The listing is not filtered by the server:
 * MinIO answers an empty list to any prefix that is not a whole key. The number aborted, or null
 * when the server cannot list uploads (s3rver: 501) or the policy forbids it (403).
 */
export async function abortStaleUploads(
  client: S3Client,
  bucket: string,
  prefix: string,
  before: Date,
): Promise<number | null> {
  let aborted = 0;
  let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
  for (;;) {
    const page = await client
      .send(new ListMultipartUploadsCommand({ Bucket: bucket, ...markers }))
      .catch((error: unknown) => {
        const status = statusOf(error);
        if (status === 501 || status === 403) {
          return null;
        }
        throw error;
      });
    if (!page) {
      return null;
    }
    for (const { Key, UploadId, Initiated } of page.Uploads ?? []) {
      if (Key?.startsWith(prefix) && UploadId && Initiated && Initiated < before) {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key, UploadId })).then(
          () => (aborted += 1),
          // Finished or aborted since it was listed, or a refusal: the next run tries again.
          (error: unknown) =>
            logger.warn(`Multipart upload ${UploadId} of ${Key} not aborted (${String(error)})`),
        );
      }
    }
    if (!page.IsTruncated || (!page.NextKeyMarker && !page.NextUploadIdMarker)) {
      return aborted;
    }
    markers = { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker };
  }
}
