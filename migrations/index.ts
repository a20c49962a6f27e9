import { CreateCharter1795916700000 } from './1795916700000-create-charter';
import { SeedCharter20201795916700001 } from './1795916700001-seed-charter-2020-1';
import { CreateMembersAuthJournal1795917600000 } from './1795917600000-create-members-auth-journal';

/** Every migration, in order. A committed migration is never edited: add a new one here. */
export const MIGRATIONS = [
  CreateCharter1795916700000,
  SeedCharter20201795916700001,
  CreateMembersAuthJournal1795917600000,
];
