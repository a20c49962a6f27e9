import { ForbiddenError, UnauthorizedError } from 'src/common/errors';

export class MetricsTokenRequiredError extends UnauthorizedError {
  constructor() {
    super(
      'METRICS.TOKEN_REQUIRED',
      'From this address the metrics need the bearer token (METRICS_TOKEN)',
    );
  }
}

export class MetricsInvalidTokenError extends UnauthorizedError {
  constructor() {
    super('METRICS.INVALID_TOKEN', 'The metrics token is not the one configured (METRICS_TOKEN)');
  }
}

export class MetricsAddressNotAllowedError extends ForbiddenError {
  constructor(address: string) {
    super(
      'METRICS.ADDRESS_NOT_ALLOWED',
      `The metrics are not served to ${address} (METRICS_ALLOW), and no METRICS_TOKEN is set`,
    );
  }
}
