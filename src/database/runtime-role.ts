import type { DataSource } from 'typeorm';

/**
 * The rights of the role the application runs as, when the migrations run as another (the
 * schema's owner, MIGRATION_DATABASE_URL): reading and writing the records, nothing of the
 * schema. The journal is append-only for it: it may add and read entries, never change, delete
 * or truncate them, and, not owning the table, it cannot disable its triggers either. Granted
 * after every migration run, so that new tables are covered.
 */
export async function grantRuntimeRole(owner: DataSource, role: string): Promise<void> {
  const grantee = `"${role.replaceAll('"', '""')}"`;
  await owner.query(`GRANT USAGE ON SCHEMA public TO ${grantee}`);
  await owner.query(
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${grantee}`,
  );
  await owner.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${grantee}`);
  await owner.query(`REVOKE UPDATE, DELETE, TRUNCATE ON journal_entry FROM ${grantee}`);
  // The migrations' own bookkeeping belongs to the owner.
  await owner.query(`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migration FROM ${grantee}`);
}

/** The role a connection URL signs in as; null when it is the same as `other`'s. */
export function distinctRole(url: string, other: string): string | null {
  const role = decodeURIComponent(new URL(url).username) || 'postgres';
  const otherRole = decodeURIComponent(new URL(other).username) || 'postgres';
  return role === otherRole ? null : role;
}
