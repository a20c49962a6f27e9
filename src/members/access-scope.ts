import type { Actor } from 'src/auth/request-context';

// Matches no row: a member without a company (which the database forbids) sees nothing.
const NO_ORGANISATION = '00000000-0000-0000-0000-000000000000';

/** The organisation a caller is confined to: a member's own; undefined for association staff. */
export function confinedTo(actor: Actor): string | undefined {
  return actor.role === 'member' ? (actor.organisationId ?? NO_ORGANISATION) : undefined;
}
