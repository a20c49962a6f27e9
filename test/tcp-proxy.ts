import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * A loopback TCP relay the test can cut and restore, to make the database unreachable from the
 * application without touching the shared server.
 */
/** Where {@link TcpProxy.cutAtNextCommit} loses the connection. */
export type CommitCut =
  /** The `COMMIT` never reaches the server: the transaction is rolled back. */
  | 'before-commit'
  /** The server runs the `COMMIT`, its answer is lost: the transaction is committed. */
  | 'after-commit';

// A simple-protocol Query message: 'Q', its length, the text, a NUL.
const COMMIT_MESSAGE = Buffer.concat([
  Buffer.from('Q'),
  Buffer.from([0, 0, 0, 11]),
  Buffer.from('COMMIT\0'),
]);

export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;
  private commitCut?: { readonly at: CommitCut; readonly done: () => void };

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Starts relaying; the first start picks a free port, later ones reuse it. */
  async start(): Promise<number> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      let replies: 'relay' | 'lose' = 'relay';
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('data', (chunk: Buffer) => {
        const cut = this.commitCut;
        if (cut && chunk.includes(COMMIT_MESSAGE)) {
          this.commitCut = undefined;
          cut.done();
          if (cut.at === 'before-commit') {
            drop();
            return;
          }
          replies = 'lose';
        }
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (replies === 'lose') {
          drop();
        } else {
          client.write(chunk);
        }
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    this.server = server;
    return this.port;
  }

  /**
   * Loses the connection that next sends `COMMIT`, before the server gets it or once the server
   * has answered it (the answer never reaches the client). Resolves when that happened.
   */
  cutAtNextCommit(at: CommitCut): Promise<void> {
    return new Promise((resolve) => {
      this.commitCut = { at, done: resolve };
    });
  }

  /** Refuses new connections and drops the open ones, as a database going down would. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) {
      socket.destroy();
    }
    if (server) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}

/** Rewrites a postgres URL to go through a proxy started on loopback. */
export async function proxied(url: string): Promise<{ url: string; proxy: TcpProxy }> {
  const parsed = new URL(url);
  const proxy = new TcpProxy(parsed.hostname, Number(parsed.port || 5432));
  parsed.hostname = '127.0.0.1';
  parsed.port = String(await proxy.start());
  return { url: parsed.toString(), proxy };
}
