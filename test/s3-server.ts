import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
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

/** A stand-in for an S3 server in trouble, on a free loopback port. */
export interface FaultyServer {
  readonly endpoint: string;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

async function listening(server: Server, sockets: Set<Socket>): Promise<FaultyServer> {
  let connections = 0;
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

/** Accepts connections and never answers a byte: a server hung, or a network dropping replies. */
export function startSilentServer(): Promise<FaultyServer> {
  return listening(
    createServer(() => undefined),
    new Set(),
  );
}

/** Answers every request with `status` and an S3 error document: 503 SlowDown, 403 AccessDenied… */
export function startFailingServer(status: number, code: string): Promise<FaultyServer> {
  const server = createHttpServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(status, { 'content-type': 'application/xml' });
      response.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`,
      );
    });
  });
  return listening(server, new Set());
}
