import { ConflictError, ForbiddenError, NotFoundError } from 'src/common/errors';

// A foreign id and a missing one get the very same answer: a member must not learn that another
// company's records exist.
export class OrganisationNotFoundError extends NotFoundError {
  constructor() {
    super('ORGANISATION.NOT_FOUND', 'No such organisation');
  }
}

export class SiteNotFoundError extends NotFoundError {
  constructor() {
    super('SITE.NOT_FOUND', 'No such site');
  }
}

export class UserNotFoundError extends NotFoundError {
  constructor() {
    super('USER.NOT_FOUND', 'No such user');
  }
}

/** A unique field already used by another record; names the field like a validation error. */
export class FieldTakenError extends ConflictError {
  constructor(code: string, field: string, message: string) {
    super(code, `${field}: ${message}`, { errors: [{ field, message }] });
  }
}

export const iceTaken = () =>
  new FieldTakenError('ORGANISATION.ICE_TAKEN', 'ice', 'is already registered to an organisation');

export const membershipNumberTaken = () =>
  new FieldTakenError(
    'ORGANISATION.MEMBERSHIP_NUMBER_TAKEN',
    'membershipNumber',
    'is already given to an organisation',
  );

export const siteNameTaken = () =>
  new FieldTakenError(
    'SITE.NAME_TAKEN',
    'name',
    'is already the name of a site of this organisation',
  );

export const emailTaken = () =>
  new FieldTakenError('USER.EMAIL_TAKEN', 'email', 'is already the email of a user');

export class MembershipEndedError extends ConflictError {
  constructor() {
    super('ORGANISATION.MEMBERSHIP_ENDED', 'The membership of this organisation has ended');
  }
}

export class SiteReadOnlyError extends ConflictError {
  constructor() {
    super(
      'SITE.READ_ONLY',
      'The membership of the organisation of this site has ended: the site is read-only',
    );
  }
}

export class SiteFieldNotEditableError extends ForbiddenError {
  constructor(fields: readonly string[]) {
    super('SITE.FIELD_NOT_EDITABLE', `Only the association may change ${fields.join(', ')}`, {
      errors: fields.map((field) => ({
        field,
        message: 'may be changed only by an administrator',
      })),
    });
  }
}

export class SelfLockoutError extends ConflictError {
  constructor() {
    super('USER.SELF_LOCKOUT', 'An administrator cannot disable or demote their own account');
  }
}

export class LastAdminError extends ConflictError {
  constructor() {
    super('USER.LAST_ADMIN', 'The last enabled administrator cannot be disabled or demoted');
  }
}

/** `If-Match` names a version of the record that is no longer the current one. */
/**
 * Rethrows a unique violation of one of `constraints` as its domain error (a 409 naming the
 * field), anything else as it is: the database, not a prior SELECT, decides uniqueness.
 */
export function rethrowUniqueViolation(
  constraints: Record<string, () => Error>,
): (error: unknown) => never {
  return (error: unknown) => {
    const driverError = (error as { driverError?: { code?: unknown; constraint?: unknown } })
      ?.driverError;
    const make =
      driverError?.code === '23505' && typeof driverError.constraint === 'string'
        ? constraints[driverError.constraint]
        : undefined;
    throw make ? make() : error;
  };
}
