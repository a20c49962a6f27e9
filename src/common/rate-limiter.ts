import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  type Type,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { isIPv6 } from 'node:net';
import { TooManyRequestsError } from 'src/common/errors';
import { appConfig, type AppConfig } from 'src/config/app-config';

export interface RateLimitOptions {
  /** Requests admitted per client within any window of `windowMs`. */
  readonly limit: number;
  readonly windowMs: number;
  /** Clients tracked at most per window; past it, new clients pass uncounted (memory is bounded). */
  readonly maxClients?: number;
  readonly now?: () => number;
}

export type RateDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

const DEFAULT_MAX_CLIENTS = 100_000;

/**
 * A sliding-window counter per client, in memory: the current fixed window's count plus the
 * previous window's, weighted by how much of it still overlaps the last `windowMs`. Two maps at
 * most, replaced wholesale as windows pass, so memory never grows with time. Refused requests are
 * not counted: a client hammering the service gets back in as soon as its earlier ones age out.
 */
export class SlidingWindowLimiter {
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxClients: number;
  private readonly now: () => number;
  private windowStart = Number.NEGATIVE_INFINITY;
  private current = new Map<string, number>();
  private previous = new Map<string, number>();

  constructor(options: RateLimitOptions) {
    if (!(options.limit >= 1) || !(options.windowMs >= 1)) {
      throw new RangeError('limit and windowMs must be at least 1');
    }
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
    this.now = options.now ?? Date.now;
  }

  /** Counts one request of `client` when it is admitted. */
  hit(client: string): RateDecision {
    const now = this.now();
    this.rotate(now);
    const count = this.current.get(client) ?? 0;
    const before = this.previous.get(client) ?? 0;
    const overlap = 1 - (now - this.windowStart) / this.windowMs;
    if (count + before * overlap + 1 > this.limit) {
      return { allowed: false, retryAfterSeconds: this.retryAfter(now, count, before) };
    }
    if (count > 0 || this.current.size < this.maxClients) {
      this.current.set(client, count + 1);
    }
    return { allowed: true };
  }

  /** Clients counted in the current window (for tests of the bound). */
  get trackedClients(): number {
    return this.current.size + this.previous.size;
  }

  private rotate(now: number): void {
    if (now < this.windowStart + this.windowMs) {
      return;
    }
    const start = Math.floor(now / this.windowMs) * this.windowMs;
    this.previous =
      start - this.windowStart === this.windowMs ? this.current : new Map<string, number>();
    this.current = new Map();
    this.windowStart = start;
  }

  /** Seconds until one more request fits, assuming the client sends nothing meanwhile. */
  private retryAfter(now: number, count: number, before: number): number {
    const end = this.windowStart + this.windowMs;
    let at: number;
    if (count + 1 <= this.limit && before > 0) {
      // Within this window, once enough of the previous one has slid out.
      at = this.windowStart + this.windowMs * (1 - (this.limit - count - 1) / before);
    } else {
      // In the next window, where this window's count weighs (1 - elapsed share).
      at = end + this.windowMs * Math.max(0, 1 - (this.limit - 1) / Math.max(count, 1));
    }
    return Math.max(1, Math.ceil((Math.max(at, now) - now) / 1000));
  }
}

/**
 * Counts one request from the client at `address` (see {@link clientKey}); past the limit, a 429
 * `REQUEST.RATE_LIMITED` with the Retry-After it can expect.
 */
export function admitClient(limiter: SlidingWindowLimiter, address: string | undefined): void {
  const decision = limiter.hit(clientKey(address));
  if (!decision.allowed) {
    throw new TooManyRequestsError(
      'REQUEST.RATE_LIMITED',
      `Too many requests from this address; retry in ${decision.retryAfterSeconds} s`,
      decision.retryAfterSeconds,
    );
  }
}

/**
 * A guard that throttles its routes per client address (`request.ip`, which honours
 * TRUST_PROXY_HOPS) to `perMinute(config)` requests in any minute, counted in this instance's
 * memory. Each use gets its own count: `class XThrottleGuard extends ClientThrottleGuard(...) {}`.
 */
export function ClientThrottleGuard(perMinute: (config: AppConfig) => number): Type<CanActivate> {
  @Injectable()
  class ThrottleGuard implements CanActivate {
    private readonly limiter: SlidingWindowLimiter;

    constructor(@Inject(appConfig.KEY) config: AppConfig) {
      this.limiter = new SlidingWindowLimiter({ limit: perMinute(config), windowMs: 60_000 });
    }

    canActivate(context: ExecutionContext): boolean {
      admitClient(this.limiter, context.switchToHttp().getRequest<FastifyRequest>().ip);
      return true;
    }
  }
  return ThrottleGuard;
}

/**
 * The key a client is counted under: its address, or for IPv6 its /64 network, which a single
 * host commonly holds whole. IPv4-mapped IPv6 addresses count as their IPv4 address.
 */
export function clientKey(address: string | undefined): string {
  if (!address) {
    return 'unknown';
  }
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) {
    return mapped[1];
  }
  if (!isIPv6(address)) {
    return address;
  }
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

function expandIPv6(address: string): string[] {
  const [head, tail] = address.split('%')[0].split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}
