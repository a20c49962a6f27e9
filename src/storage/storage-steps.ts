import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Bytes passing through, hashed and counted on the way. */
export interface HashingStream {
  readonly stream: Transform;
  /** The SHA-256 (hex) of what passed; once the stream has ended. */
  sha256(): string;
  size(): number;
}

/** The way into either store: the content's name is computed as it streams in. */
export function hashingStream(): HashingStream {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, sha256: () => hash.digest('hex'), size: () => size };
}

/** The SHA-256 (hex) and size of what a stream holds, read to its end. */
export async function digestOf(
  stream: AsyncIterable<unknown>,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** How a store takes content out of view, puts it back, or lets it go. */
export interface RemovalSteps {
  /** Moves the content aside, out of view; false when there was none. */
  takeOut(): Promise<boolean>;
  /** Puts the content taken out back in view. */
  putBack(): Promise<void>;
  /** Drops what was taken out. */
  drop(): Promise<void>;
}

/**
 * The removal both stores share: nothing goes while a record needs it, and the question is asked
 * again once the content is out of view. An upload of the same bytes that committed since the
 * first question either finds the content missing when it settles and puts its own copy, or is
 * seen by the second question and gets it back. True when the content was removed.
 */
export async function removeUnlessNeeded(
  steps: RemovalSteps,
  stillNeeded: () => Promise<boolean>,
): Promise<boolean> {
  if ((await stillNeeded()) || !(await steps.takeOut())) {
    return false;
  }
  let needed = true;
  try {
    needed = await stillNeeded();
  } finally {
    if (needed) {
      await steps.putBack();
    }
    await steps.drop();
  }
  return !needed;
}

/**
 * The way out of a store that cannot check content before sending it: passes bytes through,
 * hashing them, and holds the last chunk back until the hash matches, so that content other than
 * `sha256` fails the stream before its end and never reaches a reader whole.
 */
export class VerifyingStream extends Transform {
  private readonly hash = createHash('sha256');
  private held: Buffer | null = null;

  constructor(
    private readonly sha256: string,
    private readonly corrupt: (actual: string) => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    const previous = this.held;
    this.held = chunk;
    done(null, previous);
  }

  override _flush(done: TransformCallback): void {
    const actual = this.hash.digest('hex');
    if (actual !== this.sha256) {
      done(this.corrupt(actual));
      return;
    }
    done(null, this.held);
  }
}
