import {
  CopyObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ConfigurationError, validateEnvironment } from 'src/config/environment';
import { StoredFileError } from 'src/storage/file-storage';
import { createS3Client, S3Storage } from 'src/storage/s3-storage';
import { startS3Server, type S3TestServer } from './s3-server';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const contentKey = (hash: string) => `sha256/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;

/** Reads a stream to its end or its failure, counting what came through. */
async function drain(stream: Readable): Promise<{ received: number; error: unknown }> {
  let received = 0;
  try {
    for await (const chunk of stream) {
      received += (chunk as Buffer).length;
    }
    return { received, error: null };
  } catch (error) {
    return { received, error };
  }
}

describe('S3Storage, beyond the contract', () => {
  let server: S3TestServer;
  let client: S3Client;
  let storage: S3Storage;
  let bucket: string;

  beforeAll(async () => {
    server = await startS3Server();
  });

  afterAll(() => server?.close());

  beforeEach(async () => {
    bucket = `s3-${randomBytes(6).toString('hex')}`;
    await server.createBucket(bucket);
    client = createS3Client(server.settings(bucket));
    storage = new S3Storage(client, bucket);
  });

  afterEach(() => storage.close());

  const store = async (bytes: Buffer) => {
    const staged = await storage.stage(Readable.from([bytes]));
    await staged.publish();
    await staged.settle();
    return staged.sha256;
  };

  it('sends and checks checksums only where S3 requires them, which S3-compatible servers accept', async () => {
    expect(await client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await client.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
  });

  it('labels stored content with its SHA-256', async () => {
    const hash = await store(Buffer.from('labelled'));
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: contentKey(hash) }),
    );
    expect(head.Metadata).toEqual({ sha256: hash });
  });

  it('refuses an object labelled as other content before sending a byte', async () => {
    const hash = await store(Buffer.from('one'));
    const other = await store(Buffer.from('two'));
    await client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: contentKey(hash),
        CopySource: `${bucket}/${contentKey(other)}`,
      }),
    );
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const error = await storage.get(hash).catch((e: unknown) => e);
    expect(error).toEqual(new StoredFileError(hash, 'corrupt'));
    expect(logged).toHaveBeenCalledWith(expect.stringContaining(`labelled as content ${other}`));
    logged.mockRestore();
  });

  it('reads small content whole and refuses it damaged before sending a byte, however it is labelled', async () => {
    const original = randomBytes(100 * 1024);
    const hash = await store(original);
    const damaged = Buffer.from(original);
    damaged[0] ^= 1;
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: contentKey(hash),
        Body: damaged,
        Metadata: { sha256: hash },
      }),
    );
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const error = await storage.get(hash).catch((e: unknown) => e);
    expect(error).toEqual(new StoredFileError(hash, 'corrupt', sha256(damaged)));
    expect(logged).toHaveBeenCalledWith(
      expect.stringContaining(`holds content ${sha256(damaged)}`),
    );
    logged.mockRestore();
  });

  it('streams larger content, and fails the stream of damaged content before its last byte', async () => {
    const original = randomBytes(2 * 1024 * 1024);
    const intact = await storage.get(await store(original));
    expect(await drain(intact.stream)).toEqual({ received: original.length, error: null });

    const hash = sha256(original);
    const damaged = Buffer.from(original);
    damaged[damaged.length - 1] ^= 1;
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: contentKey(hash),
        Body: damaged,
        Metadata: { sha256: hash },
      }),
    );
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { size, stream } = await storage.get(hash);
    expect(size).toBe(damaged.length);
    const { received, error } = await drain(stream);
    expect(error).toEqual(new StoredFileError(hash, 'corrupt', sha256(damaged)));
    expect(received).toBeLessThan(damaged.length);
    expect(logged).toHaveBeenCalledWith(
      expect.stringContaining(`holds content ${sha256(damaged)}`),
    );
    logged.mockRestore();
  });

  it('puts right a published object that is plainly other content', async () => {
    const content = Buffer.from('the right bytes');
    const hash = sha256(content);
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: contentKey(hash), Body: 'short' }),
    );
    await store(content);
    const { stream } = await storage.get(hash);
    expect(await drain(stream)).toEqual({ received: content.length, error: null });
  });

  it.each([
    ['a small upload', 1000],
    ['an upload in parts', 6 * 1024 * 1024],
  ])('reports the store’s own failure on %s, not what it caused upstream', async (_what, bytes) => {
    const missing = new S3Storage(client, 'no-such-bucket');
    // Still sending when the store fails.
    const source = Readable.from(
      (function* () {
        for (let sent = 0; sent < 2 * bytes; sent += 64 * 1024) {
          yield randomBytes(64 * 1024);
        }
      })(),
    );
    await expect(missing.stage(source)).rejects.toMatchObject({ name: 'NoSuchBucket' });
    // ...and lets go of the source: read to its end, or closed.
    await finished(source).catch(() => undefined);
    expect(source.destroyed).toBe(true);
  });

  it('refuses to start on a bucket it cannot reach, in one line', async () => {
    const missing = new S3Storage(client, 'no-such-bucket');
    await expect(missing.init()).rejects.toThrow(
      /^The S3 bucket "no-such-bucket" cannot be reached \(404\)$/,
    );
  });

  it('clears leftovers on a server that cannot list unfinished uploads', async () => {
    const staged = await storage.stage(Readable.from([Buffer.from('left behind')]));
    expect(await storage.purgeStale(new Date(Date.now() + 1000))).toBe(1);
    await staged.discard();
  });

  it('needs a bucket', () => {
    expect(() => S3Storage.fromSettings({ region: 'us-east-1', forcePathStyle: false })).toThrow(
      /S3_BUCKET/,
    );
  });
});

describe('STORAGE_DRIVER and the S3 settings', () => {
  it('default to the local disk', () => {
    expect(validateEnvironment({})).toMatchObject({
      STORAGE_DRIVER: 'local',
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: false,
    });
  });

  it('read an S3-compatible server’s settings', () => {
    const env = validateEnvironment({
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: 'http://minio:9000',
      S3_REGION: 'eu-west-3',
      S3_BUCKET: 'charter-files',
      S3_ACCESS_KEY_ID: 'charter',
      S3_SECRET_ACCESS_KEY: 'a secret',
      S3_FORCE_PATH_STYLE: 'true',
    });
    expect(env).toMatchObject({
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: 'http://minio:9000',
      S3_BUCKET: 'charter-files',
      S3_FORCE_PATH_STYLE: true,
    });
  });

  it.each([
    ['STORAGE_DRIVER', 'ftp'],
    ['S3_ENDPOINT', 'minio:9000'],
    ['S3_BUCKET', 'Charter_Files'],
    ['S3_BUCKET', 'ab'],
    ['S3_FORCE_PATH_STYLE', 'yes'],
  ])('refuse %s=%s with one line naming the variable', (name, value) => {
    const attempt = () => validateEnvironment({ [name]: value });
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(new RegExp(`^Invalid configuration: ${name} .*\\(got "${value}"\\)$`));
  });

  it('refuse the S3 driver without a bucket', () => {
    expect(() => validateEnvironment({ STORAGE_DRIVER: 's3' })).toThrow(
      /^Invalid configuration: STORAGE_DRIVER=s3 needs S3_BUCKET$/,
    );
  });

  it('refuse half a pair of credentials, without repeating it', () => {
    const attempt = () =>
      validateEnvironment({ S3_BUCKET: 'charter-files', S3_SECRET_ACCESS_KEY: 'a secret' });
    expect(attempt).toThrow(/S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together/);
    expect(attempt).not.toThrow(/a secret/);
  });
});
