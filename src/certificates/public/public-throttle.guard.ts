import { Injectable } from '@nestjs/common';
import { ClientThrottleGuard } from 'src/common/rate-limiter';

/**
 * Throttles the public certificate routes per client address (`request.ip`, which honours
 * TRUST_PROXY_HOPS), in this instance's memory: it guards against scraping and abuse without a
 * database write per request. Behind N instances a client gets N times the limit, which is
 * enough for that purpose.
 */
@Injectable()
export class PublicThrottleGuard extends ClientThrottleGuard(
  (config) => config.publicRateLimitPerMinute,
) {}
