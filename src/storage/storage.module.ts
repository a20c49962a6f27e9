import { Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { SchedulerModule } from 'src/scheduler/scheduler.module';
import { SchedulerService } from 'src/scheduler/scheduler.service';
import { FILE_STORAGE, type FileStorage } from 'src/storage/file-storage';
import { LocalDiskStorage } from 'src/storage/local-disk-storage';

/** The scheduled job clearing what interrupted uploads and removals left in the storage. */
export const STORAGE_PURGE_JOB = 'storage.purge-stale';
const PURGE_EVERY_MS = 60 * 60 * 1000;
// No upload lasts a day: a staged file that old belongs to a process that is gone.
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * The file storage behind the {@link FILE_STORAGE} token. Local disk under FILES_DIR for now; an
 * S3-compatible driver for several instances is the other implementation to plug in here.
 */
@Module({
  imports: [SchedulerModule],
  providers: [
    {
      provide: FILE_STORAGE,
      inject: [appConfig.KEY],
      useFactory: async (config: AppConfig): Promise<FileStorage> => {
        const storage = new LocalDiskStorage(config.filesDir);
        await storage.init();
        return storage;
      },
    },
  ],
  exports: [FILE_STORAGE],
})
export class StorageModule implements OnModuleInit {
  private readonly logger = new Logger(StorageModule.name);

  constructor(
    private readonly scheduler: SchedulerService,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      name: STORAGE_PURGE_JOB,
      everyMs: PURGE_EVERY_MS,
      // File work only: after the commit, never inside the job's transaction.
      run: ({ at, afterCommit }) => {
        afterCommit(async () => {
          const cleared = await this.storage.purgeStale(new Date(at.getTime() - STALE_AFTER_MS));
          if (cleared > 0) {
            this.logger.log(`Cleared ${cleared} stale staged or trashed file(s)`);
          }
        });
        return Promise.resolve();
      },
    });
  }
}
