import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TooManyRequestsError } from 'src/common/errors';

/** 5 failed logins for one account from one address within 15 minutes lock that pair out. */
export const MAX_LOGIN_FAILURES = 5;
export const LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60;

/**
 * Counts failures in PostgreSQL, so that every instance behind the load balancer sees the same
 * counts and a restart forgets nothing.
 */
@Injectable()
export class LoginThrottleService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Refuses the attempt with 429 and Retry-After while the pair is locked out. */
  async assertAllowed(email: string, clientIp: string): Promise<void> {
    const [row] = await this.db.query<{ failures: number; retry_after: number | null }[]>(
      `SELECT count(*)::int AS failures,
              ceil(extract(epoch FROM min(failed_at) + make_interval(secs => $3) - now()))::int
                AS retry_after
         FROM (SELECT failed_at FROM login_failure
                WHERE email = $1 AND client_ip = $2
                  AND failed_at > now() - make_interval(secs => $3)
                ORDER BY failed_at DESC LIMIT $4) recent`,
      [email, clientIp, LOGIN_FAILURE_WINDOW_SECONDS, MAX_LOGIN_FAILURES],
    );
    if (row.failures >= MAX_LOGIN_FAILURES) {
      throw new TooManyRequestsError(
        'AUTH.TOO_MANY_ATTEMPTS',
        'Too many failed logins for this account from this address; try again later',
        Math.max(1, row.retry_after ?? LOGIN_FAILURE_WINDOW_SECONDS),
      );
    }
  }

  async recordFailure(email: string, clientIp: string): Promise<void> {
    await this.db.query('INSERT INTO login_failure (email, client_ip) VALUES ($1, $2)', [
      email,
      clientIp,
    ]);
    // Keep the table small: what is out of every window is of no use.
    await this.db.query(
      `DELETE FROM login_failure WHERE failed_at < now() - make_interval(secs => $1 * 4)`,
      [LOGIN_FAILURE_WINDOW_SECONDS],
    );
  }

  async clear(email: string, clientIp: string): Promise<void> {
    await this.db.query('DELETE FROM login_failure WHERE email = $1 AND client_ip = $2', [
      email,
      clientIp,
    ]);
  }
}
