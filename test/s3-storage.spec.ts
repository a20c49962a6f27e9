import {
  CopyObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { finished } from 'node:stream/promises';
import { ConfigurationError, validateEnvironment } from 'src/config/environment';
import { StoredFileError } from 'src/storage/file-storage';
import { abortStaleUploads } from 'src/storage/s3-multipart';
import { createS3Client, S3Storage } from 'src/storage/s3-storage';
import { StorageBusyError, StorageUnavailableError } from 'src/storage/storage.errors';
import {
  type FaultyServer,
  startFailingServer,
  startS3Server,
  startSilentServer,
  type S3TestServer,
} from './s3-server';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const contentKey = (hash: string) => `sha256/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;

interface Sent {
  readonly command: string;
  readonly input: Record<string, unknown>;
  /** `pending`, `ok`, or the HTTP status or name of the error. */
  outcome: string;
}

/** Records every command the client sends, with its input and how it ended. */
function recordCommands(client: S3Client): Sent[] {
  const sent: Sent[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const entry: Sent = {
        command: String(context.commandName).replace(/Command$/, ''),
        input: args.input as Record<string, unknown>,
        outcome: 'pending',
      };
      sent.push(entry);
      try {
        const result = await next(args);
        entry.outcome = 'ok';
        return result;
      } catch (error) {
        entry.outcome = String(
          (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ??
            (error as Error).name,
        );
        throw error;
      }
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return sent;
}

/** Answers the commands `answer` knows without sending them; the others go to the server. */
function answerCommands(
  client: S3Client,
  answer: (command: string, input: Record<string, unknown>) => object | Error | undefined,
): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const answered = answer(
        String(context.commandName).replace(/Command$/, ''),
        args.input as Record<string, unknown>,
      );
      if (answered instanceof Error) {
        throw answered;
      }
      return answered ? { output: { $metadata: {}, ...answered }, response: {} } : next(args);
    },
    { step: 'initialize', name: 'answerCommands', priority: 'low' },
  );
}

/** An error as the SDK throws it for an HTTP answer. */
const httpError = (status: number, name: string) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

/** A source of `bytes` random bytes in chunks of 64 KiB; `hold` keeps it open at the end. */
function sourceOf(bytes: number): Readable {
  return Readable.from(
    (function* () {
      for (let sent = 0; sent < bytes; sent += 64 * 1024) {
        yield randomBytes(Math.min(64 * 1024, bytes - sent));
      }
    })(),
  );
}

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

  /**
   * Replaces the content stored under `hash` with `damaged`, still labelled as `hash`: reading it
   * fails as corrupt, naming what it holds, and is logged.
   */
  const expectRefusedDamaged = async (hash: string, damaged: Buffer) => {
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
    await expectRefusedDamaged(hash, damaged);
  });

  it('reads larger content twice, and refuses it damaged before sending a byte, as on disk', async () => {
    const original = randomBytes(2 * 1024 * 1024);
    const sent = recordCommands(client);
    const intact = await storage.get(await store(original));
    expect(await drain(intact.stream)).toEqual({ received: original.length, error: null });
    const reads = sent.filter((s) => s.command === 'GetObject');
    expect(reads).toHaveLength(2);
    // The second read asks for the very version the first one checked.
    expect(reads[1].input.IfMatch).toEqual(expect.any(String));

    const hash = sha256(original);
    const damaged = Buffer.from(original);
    damaged[damaged.length - 1] ^= 1;
    await expectRefusedDamaged(hash, damaged);
  });

  it('reads larger content anew when it was replaced between the two reads, and gives up the second time', async () => {
    const original = randomBytes(2 * 1024 * 1024);
    const hash = await store(original);
    let replaced = 0;
    let getObjects = 0;
    answerCommands(client, (command) => {
      if (command !== 'GetObject') {
        return undefined;
      }
      getObjects += 1;
      // Every second read finds another version (412 to its If-Match), `replaced` times.
      return getObjects % 2 === 0 && replaced-- > 0
        ? httpError(412, 'PreconditionFailed')
        : undefined;
    });
    replaced = 1;
    const { stream } = await storage.get(hash);
    expect((await buffer(stream)).equals(original)).toBe(true);
    expect(getObjects).toBe(4);

    replaced = 2;
    getObjects = 0;
    await expect(storage.get(hash)).rejects.toBeInstanceOf(StorageUnavailableError);
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

  it('aborts the parts of an upload whose source fails after a part was sent, and logs an abort that fails', async () => {
    const sent = recordCommands(client);
    let given = 0;
    const source = new Readable({
      read() {
        if (given >= 6 * 1024 * 1024) {
          this.destroy(new Error('client went away'));
          return;
        }
        given += 256 * 1024;
        this.push(randomBytes(256 * 1024));
      },
    });
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await expect(storage.stage(source)).rejects.toThrow('client went away');
    const created = sent.find((s) => s.command === 'CreateMultipartUpload');
    const aborted = sent.find((s) => s.command === 'AbortMultipartUpload');
    expect(created?.outcome).toBe('ok');
    expect(sent.some((s) => s.command === 'UploadPart' && s.outcome === 'ok')).toBe(true);
    expect(sent.some((s) => s.command === 'CompleteMultipartUpload')).toBe(false);
    expect(aborted?.input).toMatchObject({ Bucket: bucket, Key: created?.input.Key });
    expect(aborted?.input.UploadId).toEqual(expect.any(String));
    // s3rver refuses AbortMultipartUpload (405): said, not swallowed.
    expect(aborted?.outcome).toBe('405');
    expect(warned).toHaveBeenCalledWith(
      expect.stringMatching(
        new RegExp(
          `^Multipart upload ${String(aborted?.input.UploadId)} of \\.staging/\\S+ not aborted`,
        ),
      ),
    );
    warned.mockRestore();
  });

  it('sends one part at a time', async () => {
    let inFlight = 0;
    let most = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'UploadPartCommand') {
          return next(args);
        }
        most = Math.max(most, ++inFlight);
        try {
          return await next(args);
        } finally {
          inFlight -= 1;
        }
      },
      { step: 'initialize', name: 'countParts' },
    );
    const staged = await storage.stage(sourceOf(16 * 1024 * 1024));
    await staged.discard();
    expect(most).toBe(1);
  });

  it('runs at most its number of uploads at a time; the others wait their turn, and give up after a while', async () => {
    const limited = new S3Storage(client, bucket, { maxUploads: 1, uploadWaitMs: 2000 });
    const sent = recordCommands(client);
    // The first upload's source stays open until the test ends it.
    const first = new Readable({ read: () => undefined });
    first.push(randomBytes(1000));
    const uploads = [limited.stage(first), limited.stage(Readable.from([Buffer.from('second')]))];
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The second has not started: nothing sent for it.
    expect(sent.filter((s) => s.command === 'PutObject')).toHaveLength(0);
    first.push(null);
    const [one, two] = await Promise.all(uploads);
    expect(sent.filter((s) => s.command === 'PutObject')).toHaveLength(2);
    await Promise.all([one.discard(), two.discard()]);

    const holding = new Readable({ read: () => undefined });
    const held = limited.stage(holding);
    const waiting = sourceOf(1000);
    const started = Date.now();
    await expect(limited.stage(waiting)).rejects.toBeInstanceOf(StorageBusyError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(waiting.destroyed).toBe(true);
    holding.push(null);
    await (await held).discard();
  });

  it('checks the bucket for the health check', async () => {
    await expect(storage.ping()).resolves.toBeUndefined();
    await expect(new S3Storage(client, 'no-such-bucket').ping()).rejects.toMatchObject({
      name: 'NotFound',
    });
  });

  it('refuses to start on a bucket it cannot reach, in one line', async () => {
    const missing = new S3Storage(client, 'no-such-bucket');
    await expect(missing.init()).rejects.toThrow(
      /^The S3 bucket "no-such-bucket" cannot be reached \(404\)$/,
    );
  });

  it('clears leftovers on a server that cannot list unfinished uploads, and says so once', async () => {
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const staged = await storage.stage(Readable.from([Buffer.from('left behind')]));
    expect(await storage.purgeStale(new Date(Date.now() + 1000))).toBe(1);
    expect(await storage.purgeStale(new Date(Date.now() + 1000))).toBe(0);
    expect(warned.mock.calls.filter(([m]) => String(m).includes('cannot be listed'))).toHaveLength(
      1,
    );
    warned.mockRestore();
    await staged.discard();
  });

  it('aborts stale unfinished uploads of its staging area, listed without a prefix, page after page', async () => {
    const day = 24 * 3600 * 1000;
    const cutoff = new Date();
    const old = new Date(cutoff.getTime() - day);
    const pages = [
      {
        Uploads: [
          { Key: '.staging/a', UploadId: 'a1', Initiated: old },
          { Key: 'elsewhere/b', UploadId: 'b1', Initiated: old },
          { Key: '.staging/c', UploadId: 'c1', Initiated: new Date(cutoff.getTime() + 1000) },
        ],
        IsTruncated: true,
        NextKeyMarker: '.staging/c',
        NextUploadIdMarker: 'c1',
      },
      {
        Uploads: [
          { Key: '.staging/d', UploadId: 'd1', Initiated: old },
          { Key: '.staging/e', UploadId: 'e1', Initiated: old },
        ],
        IsTruncated: false,
      },
    ];
    const sent = recordCommands(client);
    answerCommands(client, (command, input) => {
      if (command === 'ListMultipartUploads') {
        return pages.shift();
      }
      if (command === 'AbortMultipartUpload') {
        // Finished meanwhile: logged, skipped, the rest goes on.
        return input.UploadId === 'd1' ? httpError(404, 'NoSuchUpload') : {};
      }
      return undefined;
    });
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    expect(await abortStaleUploads(client, bucket, '.staging/', cutoff)).toBe(2);
    const lists = sent.filter((s) => s.command === 'ListMultipartUploads');
    expect(lists.map((s) => s.input)).toEqual([
      { Bucket: bucket },
      { Bucket: bucket, KeyMarker: '.staging/c', UploadIdMarker: 'c1' },
    ]);
    expect(
      sent.filter((s) => s.command === 'AbortMultipartUpload').map((s) => s.input.UploadId),
    ).toEqual(['a1', 'd1', 'e1']);
    expect(warned).toHaveBeenCalledWith(
      expect.stringContaining('Multipart upload d1 of .staging/d not aborted'),
    );
    warned.mockRestore();
  });

  it('needs a bucket', () => {
    expect(() => S3Storage.fromSettings({ region: 'us-east-1', forcePathStyle: false })).toThrow(
      /S3_BUCKET/,
    );
  });
});

describe('S3Storage against a store in trouble', () => {
  const HASH = sha256(Buffer.from('anything'));
  const quick = { connectTimeoutMs: 200, requestTimeoutMs: 300 };
  let server: FaultyServer | undefined;
  let storage: S3Storage | undefined;
  let warned: jest.SpyInstance;

  const storageAt = (endpoint: string, timeouts: object = quick) => {
    const client = createS3Client({
      endpoint,
      region: 'us-east-1',
      accessKeyId: 'key',
      secretAccessKey: 'secret',
      forcePathStyle: true,
      ...timeouts,
    });
    storage = new S3Storage(client, 'bucket1');
    return storage;
  };

  /** How the call ended, and after how long. */
  const timed = async (call: () => Promise<unknown>) => {
    const started = Date.now();
    const error = await call().then(
      () => null,
      (e: unknown) => e,
    );
    return { error, ms: Date.now() - started };
  };

  beforeEach(() => {
    warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    warned.mockRestore();
    storage?.close();
    await server?.close();
    server = undefined;
  });

  it('gives up on a server that accepts connections and never answers, within its timeouts', async () => {
    server = await startSilentServer();
    const s3 = storageAt(server.endpoint);
    const init = await timed(() => s3.init());
    expect(init.error).toEqual(
      expect.objectContaining({
        message: expect.stringMatching(/^The S3 bucket "bucket1" cannot be reached \(.+\)$/),
      }),
    );
    for (const call of [
      () => s3.get(HASH),
      () => s3.exists(HASH),
      () => s3.stage(Readable.from([Buffer.from('evidence')])),
      () => s3.ping(),
    ]) {
      const { error, ms } = await timed(call);
      expect(error).toBeInstanceOf(StorageUnavailableError);
      // Three tries of 300 ms, and the pauses between them.
      expect(ms).toBeLessThan(3000);
    }
    expect(init.ms).toBeLessThan(3000);
    expect(server.connections).toBeGreaterThan(0);
    expect(warned).toHaveBeenCalledWith(
      expect.stringMatching(/^GetObjectCommand failed: TimeoutError/),
    );
  });

  it('bounds the start-up check and the health check whatever the timeouts', async () => {
    server = await startSilentServer();
    const s3 = storageAt(server.endpoint, { connectTimeoutMs: 60_000, requestTimeoutMs: 600_000 });
    const ping = await timed(() => s3.ping());
    expect(ping.error).toBeInstanceOf(StorageUnavailableError);
    expect(ping.ms).toBeLessThan(4000);
    const init = await timed(() => s3.init());
    expect(init.error).toEqual(
      expect.objectContaining({
        message: 'The S3 bucket "bucket1" cannot be reached (no answer within 10 s)',
      }),
    );
    expect(init.ms).toBeGreaterThanOrEqual(9000);
    expect(init.ms).toBeLessThan(12_000);
  }, 30_000);

  it('answers a refused connection as unavailable, at once', async () => {
    server = await startSilentServer();
    const { endpoint } = server;
    await server.close();
    server = undefined;
    const s3 = storageAt(endpoint);
    for (const call of [() => s3.get(HASH), () => s3.exists(HASH), () => s3.ping()]) {
      const { error, ms } = await timed(call);
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect(ms).toBeLessThan(3000);
    }
  });

  it.each([
    [503, 'SlowDown'],
    [500, 'InternalError'],
    [502, 'BadGateway'],
  ])('answers %s %s from the store as unavailable, after its retries', async (status, code) => {
    server = await startFailingServer(status, code);
    const s3 = storageAt(server.endpoint);
    for (const call of [
      () => s3.get(HASH),
      () => s3.exists(HASH),
      () => s3.stage(Readable.from([Buffer.from('evidence')])),
    ]) {
      const { error } = await timed(call);
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect(error).toMatchObject({
        status: 503,
        code: 'SERVICE.STORAGE_UNAVAILABLE',
        extensions: { retryAfter: 5 },
      });
    }
  });

  it('leaves a refusal (403) as it is: a setting to put right, not an outage', async () => {
    server = await startFailingServer(403, 'AccessDenied');
    const s3 = storageAt(server.endpoint);
    const { error } = await timed(() => s3.get(HASH));
    expect(error).not.toBeInstanceOf(StorageUnavailableError);
    expect(error).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  });
});

describe('STORAGE_DRIVER and the S3 settings', () => {
  it('default to the local disk', () => {
    expect(validateEnvironment({})).toMatchObject({
      STORAGE_DRIVER: 'local',
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: false,
      S3_CONNECT_TIMEOUT_MS: 5000,
      S3_REQUEST_TIMEOUT_MS: 10_000,
      S3_MAX_UPLOADS: 8,
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
      S3_CONNECT_TIMEOUT_MS: '2000',
      S3_REQUEST_TIMEOUT_MS: '60000',
      S3_MAX_UPLOADS: '4',
    });
    expect(env).toMatchObject({
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: 'http://minio:9000',
      S3_BUCKET: 'charter-files',
      S3_FORCE_PATH_STYLE: true,
      S3_CONNECT_TIMEOUT_MS: 2000,
      S3_REQUEST_TIMEOUT_MS: 60_000,
      S3_MAX_UPLOADS: 4,
    });
  });

  it.each([
    ['STORAGE_DRIVER', 'ftp'],
    ['S3_ENDPOINT', 'minio:9000'],
    ['S3_BUCKET', 'Charter_Files'],
    ['S3_BUCKET', 'ab'],
    ['S3_FORCE_PATH_STYLE', 'yes'],
    ['S3_CONNECT_TIMEOUT_MS', '50'],
    ['S3_REQUEST_TIMEOUT_MS', 'soon'],
    ['S3_MAX_UPLOADS', '0'],
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
