import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { admitClient, SlidingWindowLimiter } from 'src/common/rate-limiter';
import { appConfig, type AppConfig } from 'src/config/app-config';

/**
 * Throttles the public certificate routes per client address (`request.ip`, which honours
 * TRUST_PROXY_HOPS), in this instance's memory: it guards against scraping and abuse without a
 * database write per request. Behind N instances a client gets N times the limit, which is
 * enough for that purpose.
 */
@Injectable()
export class PublicThrottleGuard implements CanActivate {
  private readonly limiter: SlidingWindowLimiter;

  constructor(@Inject(appConfig.KEY) config: AppConfig) {
    this.limiter = new SlidingWindowLimiter({
      limit: config.publicRateLimitPerMinute,
      windowMs: 60_000,
    });
  }

  canActivate(context: ExecutionContext): boolean {
    admitClient(this.limiter, context.switchToHttp().getRequest<FastifyRequest>().ip);
    return true;
  }
}
