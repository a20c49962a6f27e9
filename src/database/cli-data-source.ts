import { DataSource } from 'typeorm';
import { validateEnvironment } from 'src/config/environment';
import { compiledEntityGlob, dataSourceOptions } from 'src/database/data-source-options';

// Data source for the TypeORM CLI (`npm run migration:generate -- migrations/<Name>`): it needs a
// running PostgreSQL in DATABASE_URL whose schema is up to date.
const env = validateEnvironment(process.env);
if (!env.DATABASE_URL) {
  throw new Error('DATABASE_URL is required to generate a migration');
}

export default new DataSource({
  ...dataSourceOptions({ url: env.DATABASE_URL, embedded: false, poolSize: 2 }),
  entities: [compiledEntityGlob],
});
