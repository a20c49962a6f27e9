import {
  ConflictError,
  NotFoundError,
  PreconditionRequiredError,
  RuleViolationError,
} from 'src/common/errors';

// A foreign self-assessment and a missing one get the very same answer.
export class SelfAssessmentNotFoundError extends NotFoundError {
  constructor() {
    super('SELF_ASSESSMENT.NOT_FOUND', 'No such self-assessment');
  }
}

export class SelfAssessmentCommitmentNotFoundError extends NotFoundError {
  constructor(version: string, code: string) {
    super(
      'SELF_ASSESSMENT.COMMITMENT_NOT_FOUND',
      `Charter version ${version}, against which this self-assessment is made, has no commitment ${code}`,
      { commitment: code },
    );
  }
}

export class SelfAssessmentAlreadyOpenError extends ConflictError {
  constructor(selfAssessmentId: string, version: string) {
    super(
      'SELF_ASSESSMENT.ALREADY_OPEN',
      `A self-assessment of this site against charter version ${version} is already open: ${selfAssessmentId}`,
      { selfAssessmentId },
    );
  }
}

export class SelfAssessmentAlreadySubmittedError extends ConflictError {
  constructor() {
    super(
      'SELF_ASSESSMENT.ALREADY_SUBMITTED',
      'This self-assessment has been submitted and can no longer change',
    );
  }
}

export class SelfAssessmentSiteInactiveError extends ConflictError {
  constructor() {
    super(
      'SELF_ASSESSMENT.SITE_INACTIVE',
      'The membership of the organisation of this site has ended: its self-assessments are read-only',
    );
  }
}

export class NoPublishedCharterError extends ConflictError {
  constructor() {
    super(
      'SELF_ASSESSMENT.NO_PUBLISHED_CHARTER',
      'No charter version is published yet: there is nothing to assess against',
    );
  }
}

export class IfMatchRequiredError extends PreconditionRequiredError {
  constructor() {
    super(
      'SELF_ASSESSMENT.IF_MATCH_REQUIRED',
      'Send the ETag of the self-assessment you read in If-Match: a change must say which version it is based on',
    );
  }
}

/** The site fact that rules out a not-applicable answer, as the site's record holds it. */
export interface SiteFact {
  readonly field: 'activities' | 'headcountRemote' | 'providesStaffTransport';
  readonly value: unknown;
}

export class NotApplicableRefusedError extends RuleViolationError {
  constructor(code: string, siteFact: SiteFact | null) {
    super(
      'SELF_ASSESSMENT.NOT_APPLICABLE_REFUSED',
      siteFact
        ? `${code} may not be not applicable to this site: its ${siteFact.field} is ${JSON.stringify(siteFact.value)}`
        : `${code} is never not applicable, under the charter`,
      { commitment: code, siteFact },
    );
  }
}

export class SelfAssessmentIncompleteError extends RuleViolationError {
  constructor(missing: readonly string[]) {
    super(
      'SELF_ASSESSMENT.INCOMPLETE',
      `Every commitment must be answered before submitting; missing: ${missing.join(', ')}`,
      { missing },
    );
  }
}
