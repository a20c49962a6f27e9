import { CreateCharter1795916700000 } from './1795916700000-create-charter';
import { SeedCharter20201795916700001 } from './1795916700001-seed-charter-2020-1';
import { CreateMembersAuthJournal1795917600000 } from './1795917600000-create-members-auth-journal';
import { CreateEvidence1795920000000 } from './1795920000000-create-evidence';
import { CreateSelfAssessments1795920100000 } from './1795920100000-create-self-assessments';
import { CreateAudits1795920200000 } from './1795920200000-create-audits';
import { CreateCompliance1795921000000 } from './1795921000000-create-compliance';
import { CreateCertificateSigningKeys1796000000000 } from './1796000000000-create-certificate-signing-keys';
import { CreateCertificates1796000100000 } from './1796000100000-create-certificates';
import { CreateAuditSummary1796000200000 } from './1796000200000-create-audit-summary';
import { AddRecomputationCause1796000300000 } from './1796000300000-add-recomputation-cause';
import { CreateIdempotencyKeys1796000400000 } from './1796000400000-create-idempotency-keys';
import { CreateNotifications1796100000000 } from './1796100000000-create-notifications';
import { CreateAccountTokens1796100001000 } from './1796100001000-create-account-tokens';
import { IndexCertificateStatus1796300000000 } from './1796300000000-index-certificate-status';
import { NotificationStorage1796400000000 } from './1796400000000-notification-storage';
import { CreateReminderSent1796500000000 } from './1796500000000-create-reminder-sent';
import { IndexActiveAdmins1796500001000 } from './1796500001000-index-active-admins';

/** Every migration, in order. A committed migration is never edited: add a new one here. */
export const MIGRATIONS = [
  CreateCharter1795916700000,
  SeedCharter20201795916700001,
  CreateMembersAuthJournal1795917600000,
  CreateEvidence1795920000000,
  CreateSelfAssessments1795920100000,
  CreateAudits1795920200000,
  CreateCompliance1795921000000,
  CreateCertificateSigningKeys1796000000000,
  CreateCertificates1796000100000,
  CreateAuditSummary1796000200000,
  AddRecomputationCause1796000300000,
  CreateIdempotencyKeys1796000400000,
  CreateNotifications1796100000000,
  CreateAccountTokens1796100001000,
  IndexCertificateStatus1796300000000,
  NotificationStorage1796400000000,
  CreateReminderSent1796500000000,
  IndexActiveAdmins1796500001000,
];
