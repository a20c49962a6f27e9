import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { DatabaseGauges } from 'src/metrics/database-gauges';
import { SchedulerService } from 'src/scheduler/scheduler.service';

/** Content type of the Prometheus text exposition format, 0.0.4. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Label of the requests that matched no route (404s of unknown paths): one series, not one per URL. */
export const UNMATCHED_ROUTE = 'unmatched';

// Verification answers in about a millisecond, PDFs and uploads in seconds.
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const JOB_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];

// Node's own metrics (CPU, memory, event loop lag, GC) belong to the process, which may hold
// several applications (tests): collected once, into a registry of their own.
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The metrics of this instance in Prometheus format: HTTP requests by route pattern and status,
 * the scheduler's runs, the database pool, and the counts read from the database at scrape time
 * (one read shared by the scrapes of a few seconds: see {@link DatabaseGauges}).
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  private readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'charter_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly durations = new Histogram({
    name: 'charter_http_request_duration_seconds',
    help: 'Time from the request received to the response sent, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });
  private readonly jobRuns = new Histogram({
    name: 'charter_scheduler_job_duration_seconds',
    help: 'Duration of the scheduled jobs run by this instance (sweeps, expiry, purges), by job and outcome',
    labelNames: ['job', 'outcome'] as const,
    buckets: JOB_BUCKETS,
    registers: [this.registry],
  });
  private readonly collectionErrors = new Counter({
    name: 'charter_metrics_collection_errors_total',
    help: 'Reads of the database gauges that failed (an error or a timeout), by source',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  private readonly database: DatabaseGauges;

  constructor(
    @InjectDataSource() db: DataSource,
    private readonly scheduler: SchedulerService,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.database = new DatabaseGauges(db, this.registry, this.collectionErrors);
  }

  onModuleInit(): void {
    this.scheduler.onRunEnd((job, outcome, seconds) =>
      this.jobRuns.observe({ job, outcome }, seconds),
    );
    // Commands run the application without HTTP: nothing to count, nothing to expose.
    const http = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | null;
    if (!http) {
      return;
    }
    processMetrics();
    // Once the response is sent, with Fastify's own timing (taken anyway for the request log)
    // and the route's pattern, never the raw URL: a bounded set of series.
    http.getInstance<FastifyInstance>().addHook('onResponse', (request, reply, done) => {
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status: String(reply.statusCode),
      };
      this.requests.inc(labels);
      this.durations.observe(labels, reply.elapsedTime / 1000);
      done();
    });
  }

  /** Every series; the database gauges as last read, at most a few seconds ago. */
  async exposition(): Promise<string> {
    await this.database.refresh();
    return Registry.merge([processMetrics(), this.registry]).metrics();
  }

  /** The next scrape reads the database anew, however recent the last read. */
  expireDatabaseReading(): void {
    this.database.expire();
  }
}
