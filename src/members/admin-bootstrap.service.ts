import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { hashPassword, passwordWeakness } from 'src/auth/password';
import { SYSTEM_CONTEXT } from 'src/auth/request-context';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { JournalService } from 'src/journal/journal.service';
import {
  DEFAULT_ADMIN_EMAIL,
  generatePassword,
  hasEnabledAdmin,
  upsertAdmin,
} from 'src/members/admin-account';

interface WantedAdmin {
  readonly email: string;
  readonly password: string;
  readonly generated: boolean;
}

/**
 * The first administrator: at start-up, when no enabled one exists, from ADMIN_EMAIL and
 * ADMIN_PASSWORD, or (outside production) `admin@localhost` with a password shown once.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrapService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly journal: JournalService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (await hasEnabledAdmin(this.db.manager)) {
      return;
    }
    const wanted = this.wantedAdmin();
    if (!wanted) {
      this.logger.warn(
        'No administrator exists: set ADMIN_EMAIL and ADMIN_PASSWORD and restart, ' +
          'or run `npm run admin:create -- --email <email>`',
      );
      return;
    }
    const weakness = passwordWeakness(wanted.password);
    if (weakness) {
      this.logger.error(`ADMIN_PASSWORD ${weakness}: no administrator was created`);
      return;
    }
    const passwordHash = await hashPassword(wanted.password);
    // Several instances may start together: the lock and the re-check make one of them win.
    const outcome = await this.db
      .transaction((em) =>
        upsertAdmin(em, this.journal, SYSTEM_CONTEXT, {
          email: wanted.email,
          passwordHash,
          onlyIfNone: true,
        }),
      )
      .catch((error: unknown) => {
        this.logger.error(
          `The first administrator could not be created: ${error instanceof Error ? error.message : String(error)}`,
        );
        return null;
      });
    if (!outcome) {
      return;
    }
    if (wanted.generated) {
      this.logger.warn(
        `No administrator existed: sign in as ${wanted.email} with the password ` +
          `${wanted.password} and change it. It will not be shown again.`,
      );
    } else {
      this.logger.log(`No administrator existed: ${wanted.email} is now one (ADMIN_EMAIL)`);
    }
  }

  private wantedAdmin(): WantedAdmin | null {
    const { adminEmail, adminPassword, production } = this.config;
    if (adminEmail && adminPassword) {
      return { email: adminEmail, password: adminPassword, generated: false };
    }
    // In production a password printed in the logs is no way to start: ask for both settings.
    if (production) {
      return null;
    }
    return {
      email: adminEmail ?? DEFAULT_ADMIN_EMAIL,
      password: adminPassword ?? generatePassword(),
      generated: !adminPassword,
    };
  }
}
