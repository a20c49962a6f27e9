import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { appConfig, type AppConfig } from 'src/config/app-config';

/** What one run of a job is given. */
export interface JobRun {
  /** The run's transaction, which holds the job's lock. Keep it short. */
  readonly em: EntityManager;
  /** When the run started: the job's notion of "now". */
  readonly at: Date;
  /**
   * Work to do once the transaction has committed (removing files, network calls), never while
   * holding it, nor the job's lock. Not done when the run fails; when it fails itself, the run
   * ends `failed`.
   */
  readonly afterCommit: (task: () => Promise<void>) => void;
}

/** A periodic job; register it from the owning module's `onModuleInit`. */
export interface ScheduledJob {
  /** Unique; also names the job's lock, `hashtext('job:' || name)`. */
  readonly name: string;
  readonly everyMs: number;
  run(run: JobRun): Promise<void>;
}

/**
 * How a run ended: `failed` is a run whose transaction committed but whose work after the
 * commit failed (a run that fails before is rolled back and thrown).
 */
export type JobOutcome = 'completed' | 'skipped' | 'failed';

/** How a run ended, as told to the listeners of {@link SchedulerService.onRunEnd}: thrown is `failed`. */
export type JobRunEnd = JobOutcome;

/** Told of each run once it has ended, with its duration in seconds (for the metrics). */
export type JobRunListener = (name: string, end: JobRunEnd, seconds: number) => void;

interface Registered {
  readonly job: ScheduledJob;
  timer?: NodeJS.Timeout;
  running?: Promise<unknown>;
}

/**
 * Runs registered jobs on timers. Every run is one transaction that first tries the job's
 * advisory lock: with several instances only one runs a job's transaction at a time, the others
 * skip; its work after the commit runs once the lock is released. Timers do not keep the process
 * alive, stop on shutdown and stay off when NODE_ENV=test unless {@link start} is called (tests
 * call {@link runNow} instead).
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SchedulerService.name);
  private readonly jobs = new Map<string, Registered>();
  private readonly runListeners: JobRunListener[] = [];
  private started = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  register(job: ScheduledJob): void {
    if (this.jobs.has(job.name)) {
      throw new Error(`A job named ${job.name} is already registered`);
    }
    if (!(job.everyMs > 0)) {
      throw new Error(`Job ${job.name}: everyMs must be positive`);
    }
    const entry: Registered = { job };
    this.jobs.set(job.name, entry);
    if (this.started) {
      this.schedule(entry);
    }
  }

  /** Calls `listener` after every run of every job, however it ended. */
  onRunEnd(listener: JobRunListener): void {
    this.runListeners.push(listener);
  }

  onApplicationBootstrap(): void {
    if (this.config.env !== 'test') {
      this.start();
    }
  }

  /** Starts the timers of every job, registered now or later. */
  start(): void {
    if (this.started) {
      return;
    }
    this.started = true;
    for (const entry of this.jobs.values()) {
      this.schedule(entry);
    }
  }

  /** Stops the timers and waits for the runs in progress, before the database closes. */
  async stop(): Promise<void> {
    this.started = false;
    for (const entry of this.jobs.values()) {
      clearInterval(entry.timer);
      entry.timer = undefined;
    }
    await Promise.allSettled(
      [...this.jobs.values()].flatMap((e) => (e.running ? [e.running] : [])),
    );
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  /**
   * Runs the job once now: 'skipped' when another run (of any instance) holds its lock. A
   * failure rolls the transaction back and is thrown; work after the commit that fails is logged
   * and makes the run 'failed'.
   */
  async runNow(name: string): Promise<JobOutcome> {
    const entry = this.jobs.get(name);
    if (!entry) {
      throw new Error(`No job named ${name}`);
    }
    const startedAt = performance.now();
    const running = this.runOnce(entry.job);
    entry.running = running;
    this.tellRunEnd(entry.job.name, running, startedAt);
    try {
      return await running;
    } finally {
      if (entry.running === running) {
        entry.running = undefined;
      }
    }
  }

  private tellRunEnd(name: string, running: Promise<JobOutcome>, startedAt: number): void {
    const tell = (end: JobRunEnd) => {
      const seconds = (performance.now() - startedAt) / 1000;
      for (const listener of this.runListeners) {
        try {
          listener(name, end, seconds);
        } catch (error) {
          this.logger.warn(`Job ${name}: a run listener failed: ${String(error)}`);
        }
      }
    };
    void running.then(tell, () => tell('failed'));
  }

  private schedule(entry: Registered): void {
    entry.timer = setInterval(() => {
      // A run still going when the next tick comes is not doubled.
      if (!entry.running) {
        void this.runNow(entry.job.name).catch((error: unknown) =>
          this.logger.error(
            `Job ${entry.job.name} failed: ${error instanceof Error ? error.message : String(error)}`,
            error instanceof Error ? error.stack : undefined,
          ),
        );
      }
    }, entry.job.everyMs);
    entry.timer.unref();
  }

  private async runOnce(job: ScheduledJob): Promise<JobOutcome> {
    const after: (() => Promise<void>)[] = [];
    const outcome = await this.db.transaction(async (em): Promise<JobOutcome> => {
      const [{ locked }] = await em.query<{ locked: boolean }[]>(
        `SELECT pg_try_advisory_xact_lock(hashtext('job:' || $1)) AS locked`,
        [job.name],
      );
      if (!locked) {
        return 'skipped';
      }
      await job.run({ em, at: new Date(), afterCommit: (task) => after.push(task) });
      return 'completed';
    });
    // Each task is independent of the others: one failing does not hold the rest back.
    let failed = false;
    for (const task of after) {
      try {
        await task();
      } catch (error) {
        failed = true;
        this.logger.error(
          `Job ${job.name}: a task after commit failed: ${error instanceof Error ? error.message : String(error)}`,
          error instanceof Error ? error.stack : undefined,
        );
      }
    }
    return failed ? 'failed' : outcome;
  }
}
