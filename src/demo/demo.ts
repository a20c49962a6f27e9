import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { AppModule } from 'src/app.module';
import { SYSTEM_CONTEXT } from 'src/auth/request-context';
import { validateEnvironment } from 'src/config/environment';
import { startEmbeddedDatabase } from 'src/database/embedded-database';
import { DEMO_AUDITORS, DEMO_ORGANISATIONS } from 'src/demo/demo-data';
import { OrganisationsService } from 'src/members/organisations.service';
import { SitesService } from 'src/members/sites.service';
import { UsersService } from 'src/members/users.service';

const logger = new Logger('Demo');

/**
 * `npm run demo [-- --force]`: fills the database (DATABASE_URL, or the embedded one) with a
 * realistic sample through the application's own services, so that every record is validated
 * and journalled like any other. Refuses a database that already holds member data unless forced.
 */
async function demo() {
  const { values } = parseArgs({ options: { force: { type: 'boolean', default: false } } });
  const env = validateEnvironment(process.env);
  const embedded = env.DATABASE_URL
    ? undefined
    : await startEmbeddedDatabase(resolve(env.DATA_DIR));
  const target = { url: env.DATABASE_URL ?? embedded!.url, embedded: !!embedded, poolSize: 2 };
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(target), {
    logger: ['fatal', 'error', 'warn', 'log'],
  });
  try {
    const rows = await app.get(DataSource).query<{ ice: string }[]>('SELECT ice FROM organisation');
    if (rows.length > 0 && !values.force) {
      throw new Error(
        `The database already holds ${rows.length} member companies; run with --force to add the sample anyway`,
      );
    }
    const password = process.env.DEMO_PASSWORD ?? `demo-${randomBytes(9).toString('base64url')}`;
    await fill(
      app.get(OrganisationsService),
      app.get(SitesService),
      app.get(UsersService),
      password,
      rows.map((row) => row.ice),
    );
    logger.log(`Every demo account signs in with the password: ${password}`);
  } finally {
    await app.close();
    await embedded?.stop();
  }
}

async function fill(
  organisations: OrganisationsService,
  sites: SitesService,
  users: UsersService,
  password: string,
  existingIces: readonly string[],
) {
  const ctx = SYSTEM_CONTEXT;
  for (const auditor of DEMO_AUDITORS) {
    if (!(await users.findByEmail(auditor.email))) {
      await users.create(ctx, { ...auditor, password, role: 'auditor' });
      logger.log(`auditor ${auditor.email}`);
    }
  }
  const present = new Set(existingIces);
  for (const sample of DEMO_ORGANISATIONS) {
    const { members, sites: sampleSites, ...identity } = sample;
    // With --force, a sample company already there is left as it is.
    if (present.has(identity.ice)) {
      continue;
    }
    const organisation = await organisations.create(ctx, identity);
    for (const site of sampleSites) {
      await sites.create(ctx, organisation.id, { ...site, activities: [...site.activities] });
    }
    for (const member of members) {
      await users.create(ctx, {
        ...member,
        password,
        role: 'member',
        organisationId: organisation.id,
      });
      logger.log(`member ${member.email} (${sample.name})`);
    }
    logger.log(`${sample.name}: ${sampleSites.length} site(s)`);
  }
}

demo().catch((error: unknown) => {
  logger.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
