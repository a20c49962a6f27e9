import {
  CopyObjectCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { LocalDiskStorage } from 'src/storage/local-disk-storage';
import { createS3Client, S3Storage } from 'src/storage/s3-storage';
import { startS3Server, type S3TestServer } from './s3-server';
import { describeFileStorageContract } from './storage-contract';

describeFileStorageContract('the local-disk driver', async () => {
  const root = await mkdtemp(join(tmpdir(), 'storage-contract-'));
  const storage = new LocalDiskStorage(root);
  await storage.init();
  return {
    storage,
    async names() {
      const entries = await readdir(root, { recursive: true, withFileTypes: true });
      return entries
        .filter((e) => e.isFile())
        .map((e) => relative(root, join(e.parentPath, e.name)))
        .sort();
    },
    async write(name, bytes) {
      await mkdir(dirname(join(root, name)), { recursive: true });
      await writeFile(join(root, name), bytes);
    },
    async move(from, to) {
      await mkdir(dirname(join(root, to)), { recursive: true });
      await rename(join(root, from), join(root, to));
    },
    close: () => rm(root, { recursive: true, force: true }),
  };
});

describe('on a local S3-compatible server', () => {
  let server: S3TestServer;

  beforeAll(async () => {
    server = await startS3Server();
  });

  afterAll(() => server?.close());

  describeFileStorageContract('the S3 driver', async () => {
    // A bucket of its own for each test.
    const bucket = `contract-${randomBytes(6).toString('hex')}`;
    await server.createBucket(bucket);
    const client: S3Client = createS3Client(server.settings(bucket));
    const storage = new S3Storage(client, bucket);
    await storage.init();
    return {
      storage,
      async names() {
        const keys: string[] = [];
        let token: string | undefined;
        do {
          const page = await client.send(
            new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
          );
          keys.push(...(page.Contents ?? []).map((o) => o.Key!));
          token = page.NextContinuationToken;
        } while (token);
        return keys.sort();
      },
      async write(name, bytes) {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: name, Body: bytes }));
      },
      async move(from, to) {
        await client.send(
          new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: `${bucket}/${from}` }),
        );
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: from }));
      },
      close: () => Promise.resolve(storage.close()),
    };
  });
});
