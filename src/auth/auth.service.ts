import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import {
  isAccountTokenLive,
  issueAccountToken,
  recentlyIssued,
  spendAccountToken,
  type AccountTokenPurpose,
} from 'src/auth/account-tokens';
import {
  InvalidAccountTokenError,
  InvalidCredentialsError,
  InvalidRefreshTokenError,
  WrongCurrentPasswordError,
} from 'src/auth/auth.errors';
import type {
  MeResponse,
  SetPasswordWithTokenRequest,
  TokenPairResponse,
  UpdateMeRequest,
} from 'src/auth/auth.dto';
import { LoginThrottleService } from 'src/auth/login-throttle.service';
import { hashPassword, passwordWeakness, verifyPassword } from 'src/auth/password';
import { RefreshToken } from 'src/auth/refresh-token.entity';
import type { Actor, RequestContext } from 'src/auth/request-context';
import { hashRefreshToken, newRefreshToken, TokenService } from 'src/auth/token.service';
import { RequestValidationError } from 'src/common/errors';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { JournalService } from 'src/journal/journal.service';
import type { User } from 'src/members/user.entity';
import { NO_PASSWORD_YET, UsersService } from 'src/members/users.service';
import { NotificationsService } from 'src/notifications/notifications.service';

// A reset request answers no sooner than this, whether the address is known or not.
const PASSWORD_RESET_MIN_ANSWER_MS = 250;
// One reset email per account and minute, however often it is asked for.
const PASSWORD_RESET_INTERVAL_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

// Verified against when the email is unknown or its user has no password yet (invited), so that
// every failure takes the same time.
const DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$jUfKWCXcWKORu73gTpi1xw$b+7tv5vRj8yNynjHcdznMqiu0m7uu80YtPVgE1uUQM8';

export function toMeResponse(user: User): MeResponse {
  return {
    id: user.id,
    email: user.email,
    fullName: user.fullName,
    role: user.role,
    organisationId: user.organisationId,
    preferredLanguage: user.preferredLanguage,
  };
}

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly tokens: TokenService,
    private readonly users: UsersService,
    private readonly throttle: LoginThrottleService,
    private readonly journal: JournalService,
    private readonly notifications: NotificationsService,
  ) {}

  async login(email: string, password: string, ctx: RequestContext): Promise<TokenPairResponse> {
    const key = email.toLowerCase();
    const ip = ctx.ip ?? 'unknown';
    await this.throttle.assertAllowed(key, ip);
    const user = await this.users.findByEmail(key);
    const passwordHash = user && user.passwordHash !== NO_PASSWORD_YET ? user.passwordHash : null;
    const valid = await verifyPassword(passwordHash ?? DUMMY_HASH, password);
    if (!user || !passwordHash || !valid || user.disabledAt) {
      await this.throttle.recordFailure(key, ip);
      throw new InvalidCredentialsError();
    }
    await this.throttle.clear(key, ip);
    return this.db.transaction(async (em) => {
      const session = await this.openSession(em, user, randomUUID());
      await this.journal.append(em, actorContext(user, ctx), {
        action: 'auth.logged_in',
        entityType: 'user',
        entityId: user.id,
      });
      return session;
    });
  }

  /** Spends a refresh token for a new pair; a spent token presented again revokes its family. */
  async refresh(token: string): Promise<TokenPairResponse> {
    const outcome = await this.db.transaction(async (em) => {
      const stored = await em.findOne(RefreshToken, {
        where: { tokenHash: hashRefreshToken(token) },
        lock: { mode: 'pessimistic_write' },
      });
      if (!stored || stored.revokedAt || stored.expiresAt.getTime() <= Date.now()) {
        return null;
      }
      if (stored.usedAt) {
        // Someone holds a copy of a token already exchanged: end that whole session.
        await this.revokeFamily(em, stored.familyId);
        this.logger.warn(`Refresh token reused: session ${stored.familyId} revoked`);
        return 'reused' as const;
      }
      const user = await this.users.findById(stored.userId);
      if (!user || user.disabledAt) {
        return null;
      }
      await em.update(RefreshToken, { id: stored.id }, { usedAt: new Date() });
      return this.openSession(em, user, stored.familyId);
    });
    if (!outcome || outcome === 'reused') {
      throw new InvalidRefreshTokenError();
    }
    return outcome;
  }

  /** Ends the session the refresh token belongs to. Idempotent. */
  async logout(token: string): Promise<void> {
    await this.db.transaction(async (em) => {
      const stored = await em.findOneBy(RefreshToken, { tokenHash: hashRefreshToken(token) });
      if (stored) {
        await this.revokeFamily(em, stored.familyId);
      }
    });
  }

  async me(actor: Actor): Promise<MeResponse> {
    const user = await this.users.findById(actor.userId);
    if (!user) {
      throw new InvalidCredentialsError();
    }
    return toMeResponse(user);
  }

  /** Name, language, and a password change that ends every other session. */
  async updateMe(actor: Actor, change: UpdateMeRequest, ctx: RequestContext) {
    const user = await this.users.findById(actor.userId);
    if (!user) {
      throw new InvalidCredentialsError();
    }
    const newHash = change.newPassword ? await this.checkNewPassword(user, change) : undefined;
    return this.db.transaction(async (em) => {
      const fresh = await this.users.updateOwnAccount(em, user.id, {
        fullName: change.fullName,
        preferredLanguage: change.preferredLanguage,
        passwordHash: newHash,
      });
      const changed = {
        ...(change.fullName !== undefined && {
          fullName: { before: user.fullName, after: fresh.fullName },
        }),
        ...(change.preferredLanguage !== undefined && {
          preferredLanguage: { before: user.preferredLanguage, after: fresh.preferredLanguage },
        }),
      };
      let session: TokenPairResponse | undefined;
      if (newHash) {
        await em.query(
          'UPDATE refresh_token SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
          [user.id],
        );
        session = await this.openSession(em, fresh, randomUUID());
      }
      await this.journal.append(em, ctx, {
        action: newHash ? 'auth.password_changed' : 'user.profile_updated',
        entityType: 'user',
        entityId: user.id,
        changes: changed,
      });
      return { ...toMeResponse(fresh), ...(session && { session }) };
    });
  }

  /**
   * Emails a single-use reset code (30 minutes) when the address is an enabled account's. The
   * caller learns nothing either way: the same answer, after the same minimum time.
   */
  async requestPasswordReset(email: string, ctx: RequestContext): Promise<void> {
    const at = new Date();
    await this.db.transaction(async (em) => {
      const [user] = await em.query<
        { id: string; role: User['role']; organisation_id: string | null }[]
      >(
        `SELECT id, role, organisation_id FROM app_user
          WHERE email = $1 AND disabled_at IS NULL FOR UPDATE`,
        [email.trim().toLowerCase()],
      );
      const since = new Date(at.getTime() - PASSWORD_RESET_INTERVAL_MS);
      if (!user || (await recentlyIssued(em, user.id, 'password_reset', since))) {
        return;
      }
      const { token, expiresAt } = await issueAccountToken(em, user.id, 'password_reset', at);
      await this.notifications.sendAccountEmail(em, {
        kind: 'account.password_reset',
        userId: user.id,
        token,
        expiresAt,
      });
      await this.journal.append(em, ctx, {
        action: 'auth.password_reset_requested',
        entityType: 'user',
        entityId: user.id,
        organisationId: user.organisation_id,
      });
    });
    await sleep(at.getTime() + PASSWORD_RESET_MIN_ANSWER_MS - Date.now());
  }

  /** Spends a reset code for a new password; every session of the account ends. */
  resetPassword(body: SetPasswordWithTokenRequest, ctx: RequestContext): Promise<void> {
    return this.setPasswordWithToken(body, 'password_reset', 'auth.password_reset', ctx);
  }

  /** Spends an invitation code: the invited user sets their first password. */
  acceptInvitation(body: SetPasswordWithTokenRequest, ctx: RequestContext): Promise<void> {
    return this.setPasswordWithToken(body, 'invitation', 'auth.invitation_accepted', ctx);
  }

  private async setPasswordWithToken(
    body: SetPasswordWithTokenRequest,
    purpose: AccountTokenPurpose,
    action: string,
    ctx: RequestContext,
  ): Promise<void> {
    const weakness = passwordWeakness(body.password);
    if (weakness) {
      throw new RequestValidationError([{ field: 'password', message: weakness }]);
    }
    // argon2 is slow on purpose: a code nobody was sent must not get that far. Then hash before
    // the transaction, not while holding locks; the spend below still decides, once.
    if (!(await isAccountTokenLive(this.db.manager, body.token, purpose))) {
      throw new InvalidAccountTokenError();
    }
    const passwordHash = await hashPassword(body.password);
    await this.db.transaction(async (em) => {
      const userId = await spendAccountToken(em, body.token, purpose);
      if (!userId) {
        throw new InvalidAccountTokenError();
      }
      // A new hash moves the token version: every access token issued before is void.
      const user = await this.users.updateOwnAccount(em, userId, { passwordHash });
      await em.query(
        'UPDATE refresh_token SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
        [userId],
      );
      await this.journal.append(em, actorContext(user, ctx), {
        action,
        entityType: 'user',
        entityId: userId,
        organisationId: user.organisationId,
      });
    });
  }

  private async checkNewPassword(user: User, change: UpdateMeRequest): Promise<string> {
    const weakness = passwordWeakness(change.newPassword ?? '');
    if (weakness) {
      throw new RequestValidationError([{ field: 'newPassword', message: weakness }]);
    }
    if (!change.currentPassword) {
      throw new RequestValidationError([
        { field: 'currentPassword', message: 'is required to set a new password' },
      ]);
    }
    if (!(await verifyPassword(user.passwordHash, change.currentPassword))) {
      throw new WrongCurrentPasswordError();
    }
    return hashPassword(change.newPassword ?? '');
  }

  private async openSession(
    em: EntityManager,
    user: Pick<User, 'id' | 'role' | 'organisationId' | 'tokenVersion'>,
    familyId: string,
  ): Promise<TokenPairResponse> {
    const refresh = newRefreshToken();
    await em.insert(RefreshToken, {
      userId: user.id,
      familyId,
      tokenHash: refresh.hash,
      expiresAt: new Date(Date.now() + this.config.refreshTokenTtlDays * 86_400_000),
    });
    return {
      accessToken: await this.tokens.issueAccessToken(user),
      refreshToken: refresh.token,
      expiresIn: this.tokens.accessTokenTtlSeconds,
    };
  }

  private async revokeFamily(em: EntityManager, familyId: string): Promise<void> {
    await em.query(
      'UPDATE refresh_token SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL',
      [familyId],
    );
  }
}

function actorContext(user: User, ctx: RequestContext): RequestContext {
  return {
    ...ctx,
    actor: { userId: user.id, role: user.role, organisationId: user.organisationId },
  };
}
