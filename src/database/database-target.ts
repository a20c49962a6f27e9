/** Which PostgreSQL the application talks to. */
export interface DatabaseTarget {
  readonly url: string;
  /** The in-process engine: one connection, no concurrent migrators. */
  readonly embedded: boolean;
  readonly poolSize: number;
}
