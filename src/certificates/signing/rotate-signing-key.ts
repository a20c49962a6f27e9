import 'reflect-metadata';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { registerSigningKey } from 'src/certificates/signing/register-signing-key';
import {
  keysDirOf,
  type SigningKey,
  writeNewSigningKeyFile,
  writeNextKeyFile,
} from 'src/certificates/signing/signing-key-file';
import { validateEnvironment } from 'src/config/environment';
import { dataSourceOptions } from 'src/database/data-source-options';
import { runMigrations } from 'src/database/run-migrations';

const USAGE = 'usage: npm run keys:rotate [-- --out <new key file>]';

/** A refusal to print as it is, on one line, before exiting with status 1. */
export class RotateSigningKeyError extends Error {}

/**
 * `npm run keys:rotate`: writes a new Ed25519 signing key (mode 0600, never over an existing
 * file) to `--out`, or else as the next key of DATA_DIR/keys. On a PostgreSQL server
 * (DATABASE_URL) it also registers the key's public half at once, which retires the keys
 * registered before it; on the embedded database, which the running service holds, the service
 * does so at its next start. Returns what it did, in a few lines.
 */
export async function rotateSigningKey(argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const out = readOut(argv);
  const config = validateEnvironment(env);
  if (!out && config.CERT_SIGNING_KEY_FILE) {
    throw new RotateSigningKeyError(
      `CERT_SIGNING_KEY_FILE names the key in use (${config.CERT_SIGNING_KEY_FILE}): give the ` +
        `new key's file with --out, then point CERT_SIGNING_KEY_FILE at it; ${USAGE}`,
    );
  }
  let key: SigningKey;
  try {
    key = out
      ? await writeNewSigningKeyFile(resolve(out))
      : await writeNextKeyFile(keysDirOf(resolve(config.DATA_DIR)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new RotateSigningKeyError(`${out} exists already: name a new file`);
    }
    throw error;
  }
  const lines = [`New certificate signing key ${key.kid} written to ${key.file} (mode 0600)`];
  if (config.DATABASE_URL) {
    const retired = await register(config.DATABASE_URL, key).catch((error: unknown) => {
      throw new RotateSigningKeyError(
        `${lines[0]}, but not registered (${error instanceof Error ? error.message : String(error)}): ` +
          'the service registers it when it starts with it',
      );
    });
    lines.push(
      `Its public key is published; ${retired} older key(s) retired, published still while ` +
        'certificates they signed are valid',
    );
  } else {
    lines.push('Its public key is published when the service starts with it');
  }
  lines.push(
    out
      ? `Set CERT_SIGNING_KEY_FILE=${key.file} and restart the service to sign with it`
      : 'Restart the service to sign with it (it takes the newest key of the folder)',
  );
  return lines.join('\n');
}

async function register(url: string, key: SigningKey): Promise<number> {
  const dataSource = await new DataSource(
    dataSourceOptions({ url, embedded: false, poolSize: 2 }),
  ).initialize();
  try {
    await runMigrations(dataSource, { lock: true });
    const { retiredOthers } = await dataSource.transaction((em) => registerSigningKey(em, key));
    return retiredOthers;
  } finally {
    await dataSource.destroy();
  }
}

function readOut(argv: string[]): string | undefined {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { out: { type: 'string' } },
      strict: true,
    });
    if (values.out === '') {
      throw new Error('--out needs a file name');
    }
    return values.out;
  } catch (error) {
    throw new RotateSigningKeyError(`${(error as Error).message}; ${USAGE}`);
  }
}

if (require.main === module) {
  rotateSigningKey(process.argv.slice(2), process.env).then(
    (message) => process.stdout.write(`${message}\n`),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`keys:rotate: ${message}\n`);
      process.exitCode = 1;
    },
  );
}
