import {
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
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

async function openFileStorage(config: AppConfig): Promise<FileStorage> {
  const logger = new Logger(StorageModule.name);
  if (config.storageDriver === 's3') {
    // Loaded only when chosen: the AWS SDK is large, and the local disk is the default. A
    // relative path: the build rewrites the src/ alias of static imports only.
    const { S3Storage } = await import('./s3-storage');
    const storage = S3Storage.fromSettings(config.s3);
    await storage.init();
    const at = config.s3.endpoint ?? `AWS S3 (${config.s3.region})`;
    logger.log(`Files in the S3 bucket ${config.s3.bucket} at ${at}`);
    return storage;
  }
  const storage = new LocalDiskStorage(config.filesDir);
  await storage.init();
  logger.log(`Files on the local disk under ${config.filesDir}`);
  return storage;
}

/**
 * The file storage behind the {@link FILE_STORAGE} token, chosen by STORAGE_DRIVER: local disk
 * under FILES_DIR (the default), or an S3-compatible bucket, which several instances share.
 */
@Module({
  imports: [SchedulerModule],
  providers: [
    {
      provide: FILE_STORAGE,
      inject: [appConfig.KEY],
      useFactory: openFileStorage,
    },
  ],
  exports: [FILE_STORAGE],
})
export class StorageModule implements OnModuleInit, OnApplicationShutdown {
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

  onApplicationShutdown(): void {
    this.storage.close?.();
  }
}
