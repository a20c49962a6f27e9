import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { createS3Client, type S3Settings } from 'src/storage/s3-storage';

/** A local S3-compatible server (s3rver) on a free loopback port, its data in a temp folder. */
export interface S3TestServer {
  readonly endpoint: string;
  /** Settings reaching `bucket` on this server. */
  settings(bucket: string): S3Settings & { readonly bucket: string };
  /** The same as environment variables, for an application instance. */
  env(bucket: string): Record<string, string>;
  createBucket(bucket: string): Promise<void>;
  close(): Promise<void>;
}

// s3rver checks signatures against this fixed pair.
const ACCESS_KEY = 'S3RVER';

export async function startS3Server(): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const settings = (bucket: string) => ({
    endpoint,
    region: 'us-east-1',
    bucket,
    accessKeyId: ACCESS_KEY,
    secretAccessKey: ACCESS_KEY,
    forcePathStyle: true,
  });
  return {
    endpoint,
    settings,
    env: (bucket) => ({
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: ACCESS_KEY,
      S3_SECRET_ACCESS_KEY: ACCESS_KEY,
      S3_FORCE_PATH_STYLE: 'true',
    }),
    async createBucket(bucket) {
      const client = createS3Client(settings(bucket));
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
      } finally {
        client.destroy();
      }
    },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
