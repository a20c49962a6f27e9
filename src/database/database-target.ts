/** Which PostgreSQL the application talks to. */
export interface DatabaseTarget {
  readonly url: string;
  /** The in-process engine: one connection, no concurrent migrators. */
  readonly embedded: boolean;
  readonly poolSize: number;
  /** Runs the migrations, as the schema's owner, when the application's own role may not. */
  readonly migrationUrl?: string;
  /** See COMMIT_RESOLUTION_WAIT_MS. */
  readonly commitWaitMs?: number;
}
