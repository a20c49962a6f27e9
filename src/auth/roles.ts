export const ROLES = ['admin', 'auditor', 'member'] as const;
export type Role = (typeof ROLES)[number];
