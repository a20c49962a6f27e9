import { Injectable } from '@nestjs/common';
import { ClientThrottleGuard } from 'src/common/rate-limiter';

/**
 * Throttles the public account routes (password reset, its confirmation, accepting an invitation)
 * per client address, together: each of them may send an email or hash a password, which costs
 * this instance's CPU and memory. Counted in the instance's memory, like the public certificate
 * routes: the cost it guards against is per instance too.
 */
@Injectable()
export class AccountThrottleGuard extends ClientThrottleGuard(
  (config) => config.accountRateLimitPerMinute,
) {}
