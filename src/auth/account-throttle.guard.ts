import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { admitClient, SlidingWindowLimiter } from 'src/common/rate-limiter';
import { appConfig, type AppConfig } from 'src/config/app-config';

/**
 * Throttles the public account routes (password reset, its confirmation, accepting an invitation)
 * per client address, together: each of them may send an email or hash a password, which costs
 * this instance's CPU and memory. Counted in the instance's memory, like the public certificate
 * routes: the cost it guards against is per instance too.
 */
@Injectable()
export class AccountThrottleGuard implements CanActivate {
  private readonly limiter: SlidingWindowLimiter;

  constructor(@Inject(appConfig.KEY) config: AppConfig) {
    this.limiter = new SlidingWindowLimiter({
      limit: config.accountRateLimitPerMinute,
      windowMs: 60_000,
    });
  }

  canActivate(context: ExecutionContext): boolean {
    admitClient(this.limiter, context.switchToHttp().getRequest<FastifyRequest>().ip);
    return true;
  }
}
