import { Logger } from '@nestjs/common';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateEnvironment } from 'src/config/environment';
import { createApp } from 'src/create-app';
import { buildOpenApiDocument } from 'src/openapi/openapi';

/** `npm run openapi`: regenerates the committed `openapi.json` from the code. */
async function writeOpenApi() {
  const env = validateEnvironment({ ...process.env, LOG_LEVEL: 'error' });
  const app = await createApp(
    env,
    { url: 'postgres://unused', embedded: false, poolSize: 1 },
    {
      preview: true,
    },
  );
  const file = join(__dirname, '..', '..', '..', 'openapi.json');
  await writeFile(file, `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`);
  await app.close();
  new Logger('OpenAPI').log(`Wrote ${file}`);
}

writeOpenApi().catch((error: unknown) => {
  new Logger('OpenAPI').error(String(error));
  process.exitCode = 1;
});
