import { QueryFailedError } from 'typeorm';
import { ConflictError, NotFoundError, RuleViolationError } from 'src/common/errors';

export class CharterVersionNotFoundError extends NotFoundError {
  constructor(version: string) {
    super('CHARTER.VERSION_NOT_FOUND', `Charter version ${version} does not exist`);
  }
}

export class CharterDraftNotFoundError extends NotFoundError {
  constructor() {
    super('CHARTER.NO_DRAFT', 'No charter version is being drafted');
  }
}

export class CommitmentNotFoundError extends NotFoundError {
  constructor(version: string, code: string) {
    super('CHARTER.COMMITMENT_NOT_FOUND', `Charter version ${version} has no commitment ${code}`);
  }
}

export class CharterVersionExistsError extends ConflictError {
  constructor(version: string) {
    super('CHARTER.VERSION_EXISTS', `Charter version ${version} already exists`);
  }
}

export class CharterDraftExistsError extends ConflictError {
  constructor(draftVersion?: string) {
    super(
      'CHARTER.DRAFT_EXISTS',
      `Charter version ${draftVersion ?? 'another version'} is already being drafted: publish or discard it first`,
      draftVersion ? { draftVersion } : {},
    );
  }
}

export class CharterVersionNotNewerError extends ConflictError {
  constructor(version: string, latestVersion: string) {
    super(
      'CHARTER.VERSION_NOT_NEWER',
      `Charter version ${version} must come after the latest version, ${latestVersion}`,
      { latestVersion },
    );
  }
}

export class NoPublishedCharterError extends ConflictError {
  constructor() {
    super('CHARTER.NO_PUBLISHED_VERSION', 'There is no published version to draft from');
  }
}

export class CharterVersionPublishedError extends ConflictError {
  constructor(version: string) {
    super(
      'CHARTER.VERSION_PUBLISHED',
      `Charter version ${version} is published and can no longer change`,
    );
  }
}

/** Why a draft cannot be published yet. */
export interface DraftProblem {
  readonly rule: 'no_commitments' | 'positions_not_contiguous';
  readonly detail: string;
}

export class CharterDraftIncompleteError extends RuleViolationError {
  constructor(version: string, problems: readonly DraftProblem[]) {
    super(
      'CHARTER.DRAFT_INCOMPLETE',
      `Charter version ${version} cannot be published: ${problems.map((p) => p.detail).join('; ')}`,
      { problems },
    );
  }
}

/**
 * The conflicts the database itself refuses, whatever the service checked before (a concurrent
 * request, a path that skipped the checks), as 409s instead of 500s. Anything else is unchanged.
 */
export function translateCharterWriteError(error: unknown, version: string): unknown {
  if (!(error instanceof QueryFailedError)) {
    return error;
  }
  const { code, constraint } = error.driverError as { code?: string; constraint?: string };
  if (code === '23001') {
    // restrict_violation: raised by the freeze triggers of published versions
    return new CharterVersionPublishedError(version);
  }
  if (code === '23505' && constraint === 'charter_version_single_draft_uq') {
    return new CharterDraftExistsError();
  }
  if (code === '23505' && constraint === 'charter_version_version_uq') {
    return new CharterVersionExistsError(version);
  }
  return error;
}
