import type { EntityManager } from 'typeorm';
import type { RequestContext } from 'src/auth/request-context';

/** The end of an organisation's membership, as it is being stored. */
export interface MembershipEnd {
  readonly organisationId: string;
  readonly reason: string;
  readonly at: Date;
}

/**
 * Whatever must end with a membership (the organisation's certificates). Called inside the
 * transaction that ends it, after its own journal entries: what it throws rolls the end back,
 * and what it writes through `em` commits with it.
 */
export interface MembershipListener {
  onMembershipEnded(em: EntityManager, ctx: RequestContext, end: MembershipEnd): Promise<void>;
}

/**
 * The DI token of the listener. Provide it from a global module (`useExisting`, exported), so
 * that this module needs no import of the features that follow memberships; without one, the
 * no-op below is used.
 */
export const MEMBERSHIP_LISTENER = Symbol('MEMBERSHIP_LISTENER');

export const NO_MEMBERSHIP_LISTENER: MembershipListener = {
  onMembershipEnded: () => Promise.resolve(),
};
