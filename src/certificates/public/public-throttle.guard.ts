import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { clientKey, SlidingWindowLimiter } from 'src/certificates/public/rate-limiter';
import { TooManyRequestsError } from 'src/common/errors';
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
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const decision = this.limiter.hit(clientKey(request.ip));
    if (!decision.allowed) {
      throw new TooManyRequestsError(
        'REQUEST.RATE_LIMITED',
        `Too many requests from this address; retry in ${decision.retryAfterSeconds} s`,
        decision.retryAfterSeconds,
      );
    }
    return true;
  }
}
