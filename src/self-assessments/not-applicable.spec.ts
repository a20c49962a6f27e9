import type { NotApplicableCondition } from 'src/charter/charter.types';
import { notApplicableRefusal, type SiteFacts } from 'src/self-assessments/not-applicable';

const site = (over: Partial<SiteFacts> = {}): SiteFacts => ({
  activities: ['front_office'],
  headcountRemote: 0,
  providesStaffTransport: false,
  ...over,
});

describe('notApplicableRefusal', () => {
  it.each<[string, NotApplicableCondition, SiteFacts]>([
    ['E10 (no_back_office) on a front-office site', 'no_back_office', site()],
    ['E15 (no_remote_work) on a site with no remote worker', 'no_remote_work', site()],
    ['E18 (no_staff_transport) on a site without transport', 'no_staff_transport', site()],
    [
      'E10 on a site with remote workers and transport, but no back office',
      'no_back_office',
      site({ headcountRemote: 40, providesStaffTransport: true }),
    ],
  ])('allows %s', (_, condition, facts) => {
    expect(notApplicableRefusal(condition, facts)).toBeUndefined();
  });

  it.each<[string, NotApplicableCondition, SiteFacts, object]>([
    [
      'E10 on a site with back-office activity',
      'no_back_office',
      site({ activities: ['front_office', 'back_office'] }),
      { field: 'activities', value: ['front_office', 'back_office'] },
    ],
    [
      'E10 on a back-office-only site',
      'no_back_office',
      site({ activities: ['back_office'] }),
      { field: 'activities', value: ['back_office'] },
    ],
    [
      'E15 on a site with one remote worker',
      'no_remote_work',
      site({ headcountRemote: 1 }),
      { field: 'headcountRemote', value: 1 },
    ],
    [
      'E18 on a site providing staff transport',
      'no_staff_transport',
      site({ providesStaffTransport: true }),
      { field: 'providesStaffTransport', value: true },
    ],
  ])('refuses %s, naming the site fact', (_, condition, facts, fact) => {
    expect(notApplicableRefusal(condition, facts)).toEqual(fact);
  });

  it('refuses a commitment the charter never allows to be not applicable, whatever the site', () => {
    expect(notApplicableRefusal(null, site())).toBeNull();
  });
});
