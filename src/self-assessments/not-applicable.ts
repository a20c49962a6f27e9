import type { NotApplicableCondition } from 'src/charter/charter.types';
import type { Site } from 'src/members/site.entity';
import type { SiteFact } from 'src/self-assessments/self-assessments.errors';

/** The site's record, as far as the charter's not-applicable conditions read it. */
export type SiteFacts = Pick<Site, 'activities' | 'headcountRemote' | 'providesStaffTransport'>;

/**
 * Why a commitment may not be judged not applicable to a site: `undefined` when it may; `null`
 * when the charter never allows it; otherwise the site fact that rules it out (charter-v1.md:
 * E10 only without back-office activity, E15 only with no remote worker, E18 only without
 * staff transport).
 */
export function notApplicableRefusal(
  condition: NotApplicableCondition | null,
  site: SiteFacts,
): SiteFact | null | undefined {
  switch (condition) {
    case null:
      return null;
    case 'no_back_office':
      return site.activities.includes('back_office')
        ? { field: 'activities', value: site.activities }
        : undefined;
    case 'no_remote_work':
      return site.headcountRemote === 0
        ? undefined
        : { field: 'headcountRemote', value: site.headcountRemote };
    case 'no_staff_transport':
      return site.providesStaffTransport
        ? { field: 'providesStaffTransport', value: true }
        : undefined;
  }
}
