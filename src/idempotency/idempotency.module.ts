import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { FastifyInstance } from 'fastify';
import { IdempotencyKey } from 'src/idempotency/idempotency-key.entity';
import { IdempotencyService } from 'src/idempotency/idempotency.service';
import { SchedulerModule } from 'src/scheduler/scheduler.module';
import { SchedulerService } from 'src/scheduler/scheduler.service';

/** The scheduled job deleting idempotency keys older than 24 hours. */
export const IDEMPOTENCY_PURGE_JOB = 'idempotency.purge';
const PURGE_EVERY_MS = 15 * 60 * 1000;

/**
 * `Idempotency-Key` for the routes marked `@Idempotent()`: the keys and their answers (global, so
 * that the routes' interceptor finds them from any module), the purge of expired keys.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([IdempotencyKey]), SchedulerModule],
  providers: [IdempotencyService],
  exports: [IdempotencyService],
})
export class IdempotencyModule implements OnModuleInit {
  constructor(
    private readonly scheduler: SchedulerService,
    private readonly keys: IdempotencyService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      name: IDEMPOTENCY_PURGE_JOB,
      everyMs: PURGE_EVERY_MS,
      run: async (run) => {
        await this.keys.purgeExpired(run);
      },
    });
    // Commands run the application without HTTP: nothing to answer, nothing to store.
    const http = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | null;
    if (!http) {
      return;
    }
    // The answer is stored as it is sent, once the route's interceptors or the error filter
    // have written it.
    http.getInstance<FastifyInstance>().addHook('onSend', (request, reply, payload, done) => {
      if (!this.keys.ownedBy(request)) {
        done(null, payload);
        return;
      }
      void this.keys.settleFromReply(request, reply, payload).then(() => done(null, payload));
    });
  }
}
