import { DomainError } from 'src/common/errors';

export class ServiceUnavailableError extends DomainError {
  readonly status = 503;
}
