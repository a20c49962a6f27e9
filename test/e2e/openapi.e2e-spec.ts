import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateEnvironment } from 'src/config/environment';
import { createApp } from 'src/create-app';
import { buildOpenApiDocument } from 'src/openapi/openapi';

describe('OpenAPI document', () => {
  it('matches the committed openapi.json (run `npm run openapi` after changing the API)', async () => {
    const env = validateEnvironment({ LOG_LEVEL: 'silent' });
    const app = await createApp(
      env,
      { url: 'postgres://unused', embedded: false, poolSize: 1 },
      {
        preview: true,
      },
    );
    try {
      const committed: unknown = JSON.parse(
        readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8'),
      );
      expect(buildOpenApiDocument(app)).toEqual(committed);
    } finally {
      await app.close();
    }
  });
});
