import { ConflictError } from 'src/common/errors';

export class SiteAlreadySuspendedError extends ConflictError {
  constructor() {
    super('SITE.ALREADY_SUSPENDED', 'The site is already suspended: lift the suspension first');
  }
}

export class SiteNotSuspendedError extends ConflictError {
  constructor() {
    super('SITE.NOT_SUSPENDED', 'The site is not suspended');
  }
}
