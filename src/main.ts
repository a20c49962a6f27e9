import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { startService } from 'src/bootstrap';
import { ConfigurationError, validateEnvironment } from 'src/config/environment';

async function main() {
  const logger = new Logger('Main');
  let env;
  try {
    env = validateEnvironment(process.env);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      logger.fatal(error.message);
      process.exit(1);
    }
    throw error;
  }
  const service = await startService(env).catch((error: unknown) => {
    // A setting read at start-up (the signing key file) that does not hold.
    if (error instanceof ConfigurationError) {
      logger.fatal(error.message);
      process.exit(1);
    }
    throw error;
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.log(`${signal} received: finishing requests in flight, then stopping`);
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`Shutdown failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  new Logger('Main').fatal(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
