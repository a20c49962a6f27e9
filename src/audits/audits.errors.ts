import {
  ConflictError,
  NotFoundError,
  PreconditionRequiredError,
  RuleViolationError,
} from 'src/common/errors';
import type { AuditAction } from 'src/audits/audit-transitions';
import type { AuditStatus } from 'src/audits/audits.types';

// A foreign audit, one not assigned to the calling auditor and a missing one get the very same
// answer: nobody learns that an audit they may not see exists.
export class AuditNotFoundError extends NotFoundError {
  constructor() {
    super('AUDIT.NOT_FOUND', 'No such audit');
  }
}

export class IllegalAuditTransitionError extends ConflictError {
  constructor(
    action: AuditAction,
    from: AuditStatus,
    to: AuditStatus,
    allowedFrom: readonly AuditStatus[],
  ) {
    super(
      'AUDIT.ILLEGAL_TRANSITION',
      `Cannot ${action.replace(/_/g, ' ')} an audit that is ${from}: ${action} leads from ` +
        `${allowedFrom.join(' or ')} to ${to}`,
      { action, from, to, allowedFrom },
    );
  }
}

export class AuditCommitmentNotFoundError extends NotFoundError {
  constructor(version: string, code: string) {
    super(
      'AUDIT.COMMITMENT_NOT_FOUND',
      `Charter version ${version}, against which this audit is made, has no commitment ${code}`,
      { commitment: code },
    );
  }
}

export class AuditIfMatchRequiredError extends PreconditionRequiredError {
  constructor() {
    super(
      'AUDIT.IF_MATCH_REQUIRED',
      'Send the ETag of the audit you read in If-Match: a change must say which version it is based on',
    );
  }
}

export class AuditIncompleteError extends RuleViolationError {
  constructor(missing: readonly string[]) {
    super(
      'AUDIT.INCOMPLETE',
      `Every commitment needs a finding before submitting; missing: ${missing.join(', ')}`,
      { missing },
    );
  }
}

/** The site fact that rules out a not-applicable finding, as the site's record holds it. */
export interface SiteFact {
  readonly field: 'activities' | 'headcountRemote' | 'providesStaffTransport';
  readonly value: unknown;
}

export class FindingNotApplicableRefusedError extends RuleViolationError {
  constructor(code: string, siteFact: SiteFact | null) {
    super(
      'AUDIT.NOT_APPLICABLE_REFUSED',
      siteFact
        ? `${code} may not be not applicable to this site: its ${siteFact.field} is ${JSON.stringify(siteFact.value)}`
        : `${code} is never not applicable, under the charter`,
      { commitment: code, siteFact },
    );
  }
}

export class SiteHasActiveAuditError extends ConflictError {
  constructor(auditId: string | null) {
    super(
      'AUDIT.SITE_HAS_ACTIVE_AUDIT',
      'This site already has an audit that is neither closed nor cancelled' +
        (auditId ? `: ${auditId}` : ''),
      auditId ? { auditId } : {},
    );
  }
}

export class AuditorInvalidError extends RuleViolationError {
  constructor(message: string) {
    super('AUDIT.AUDITOR_INVALID', `auditorId: ${message}`, {
      errors: [{ field: 'auditorId', message }],
    });
  }
}

export class AuditSiteInactiveError extends ConflictError {
  constructor() {
    super(
      'AUDIT.SITE_INACTIVE',
      'The membership of the organisation of this site has ended: it is no longer audited',
    );
  }
}

export class AuditNoPublishedCharterError extends ConflictError {
  constructor() {
    super(
      'AUDIT.NO_PUBLISHED_CHARTER',
      'No charter version is published yet: there is nothing to audit against',
    );
  }
}

export class AuditReportNotAvailableError extends ConflictError {
  constructor(status: AuditStatus, availableIn: readonly AuditStatus[]) {
    super(
      'AUDIT.REPORT_NOT_AVAILABLE',
      `The report of an audit that is ${status} is not available: only once ${availableIn.join(' or ')}`,
      { auditStatus: status, availableIn },
    );
  }
}
