import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { MetricsAccess } from 'src/metrics/metrics-access';
import {
  MetricsAddressNotAllowedError,
  MetricsInvalidTokenError,
  MetricsTokenRequiredError,
} from 'src/metrics/metrics.errors';

/** Opens GET /metrics to the addresses of METRICS_ALLOW, and to anyone with METRICS_TOKEN. */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  private readonly access: MetricsAccess;

  constructor(@Inject(appConfig.KEY) config: AppConfig) {
    this.access = new MetricsAccess(config.metrics);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const decision = this.access.decide(request.ip, request.headers.authorization);
    switch (decision) {
      case 'allowed':
        return true;
      case 'token_required':
        throw new MetricsTokenRequiredError();
      case 'invalid_token':
        throw new MetricsInvalidTokenError();
      case 'address_not_allowed':
        throw new MetricsAddressNotAllowedError(request.ip);
    }
  }
}
