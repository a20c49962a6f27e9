import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { issueAccountToken } from 'src/auth/account-tokens';
import { NoPendingInvitationError } from 'src/auth/auth.errors';
import { hashPassword, passwordWeakness } from 'src/auth/password';
import type { Actor, RequestContext } from 'src/auth/request-context';
import type { Role } from 'src/auth/roles';
import { RequestValidationError, VersionMismatchError } from 'src/common/errors';
import { type Page, pageOf, pageWindow } from 'src/common/pagination';
import { diff, JournalService } from 'src/journal/journal.service';
import { ADMINS_LOCK_KEY } from 'src/members/admin-account';
import {
  emailTaken,
  LastAdminError,
  MembershipEndedError,
  rethrowUniqueViolation,
  SelfLockoutError,
  UserNotFoundError,
} from 'src/members/members.errors';
import { containsPattern } from 'src/common/transforms';
import { OrganisationsService } from 'src/members/organisations.service';
import { User } from 'src/members/user.entity';
import {
  type CreateUserRequest,
  type InviteUserRequest,
  toUserResponse,
  type UpdateUserRequest,
  type UserQuery,
  type UserResponse,
} from 'src/members/users.dto';
import { assertIfMatch, updateVersioned } from 'src/common/versioning';
import { NotificationsService } from 'src/notifications/notifications.service';

const uniqueEmail = rethrowUniqueViolation({ app_user_email_uq: emailTaken });

/** The password hash of an invited user until they accept: no password verifies against it. */
export const NO_PASSWORD_YET = '!invited';

/** What the journal shows of a user: never its password hash or token version. */
interface UserView {
  readonly fullName: string;
  readonly role: Role;
  readonly organisationId: string | null;
  readonly disabled: boolean;
}

/** What a PATCH makes of a user. */
interface UserPlan extends UserView {
  readonly disabling: boolean;
  readonly enabling: boolean;
}

const VIEW_FIELDS = ['fullName', 'role', 'organisationId', 'disabled'] as const;

const userView = (u: User): UserView => ({
  fullName: u.fullName,
  role: u.role,
  organisationId: u.organisationId,
  disabled: u.disabledAt !== null,
});

/** A member belongs to exactly one organisation; association staff to none. */
function assertMembership(role: Role, organisationId: string | null | undefined): void {
  if (role === 'member' && !organisationId) {
    throw new RequestValidationError([
      { field: 'organisationId', message: 'is required for a member' },
    ]);
  }
  if (role !== 'member' && organisationId) {
    throw new RequestValidationError([
      { field: 'organisationId', message: `must be absent for the ${role} role` },
    ]);
  }
}

function assertInvitationPending(user: User): void {
  if (user.passwordHash !== NO_PASSWORD_YET) {
    throw new NoPendingInvitationError('password_set');
  }
  if (user.disabledAt) {
    throw new NoPendingInvitationError('disabled');
  }
}

function planChange(user: User, change: UpdateUserRequest): UserPlan {
  const role = change.role ?? user.role;
  if (role !== 'member') {
    assertMembership(role, change.organisationId);
  }
  // Becoming an admin or an auditor leaves the organisation.
  const organisationId = role === 'member' ? (change.organisationId ?? user.organisationId) : null;
  assertMembership(role, organisationId);
  const wasDisabled = user.disabledAt !== null;
  const disabled = change.disabled ?? wasDisabled;
  return {
    fullName: change.fullName ?? user.fullName,
    role,
    organisationId,
    disabled,
    disabling: disabled && !wasDisabled,
    enabling: !disabled && wasDisabled,
  };
}

function toUserChanges(user: User, plan: UserPlan): QueryDeepPartialEntity<User> {
  const endsSessions =
    plan.disabling || plan.role !== user.role || plan.organisationId !== user.organisationId;
  return {
    fullName: plan.fullName,
    role: plan.role,
    organisationId: plan.organisationId,
    ...(plan.disabling && { disabledAt: () => 'now()' }),
    ...(plan.enabling && { disabledAt: null }),
    // The access tokens carry it: a bump makes every one of them invalid at once.
    ...(endsSessions && { tokenVersion: () => 'token_version + 1' }),
  };
}

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly organisations: OrganisationsService,
    private readonly journal: JournalService,
    private readonly notifications: NotificationsService,
  ) {}

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email: email.trim().toLowerCase() });
  }

  /**
   * The signed-in user's own changes, in the caller's transaction. A new password hash also
   * moves the token version, which ends every access token issued before.
   */
  async updateOwnAccount(
    em: EntityManager,
    userId: string,
    change: {
      fullName?: string;
      preferredLanguage?: User['preferredLanguage'];
      passwordHash?: string;
    },
  ): Promise<User> {
    await em
      .createQueryBuilder()
      .update(User)
      .set({
        ...(change.fullName !== undefined && { fullName: change.fullName }),
        ...(change.preferredLanguage !== undefined && {
          preferredLanguage: change.preferredLanguage,
        }),
        ...(change.passwordHash !== undefined && {
          passwordHash: change.passwordHash,
          tokenVersion: () => 'token_version + 1',
        }),
        version: () => 'version + 1',
        updatedAt: () => 'now()',
      })
      .where('id = :id', { id: userId })
      .execute();
    return em.findOneByOrFail(User, { id: userId });
  }

  async list(query: UserQuery): Promise<Page<UserResponse>> {
    const qb = this.users.createQueryBuilder('u');
    if (query.q) {
      qb.andWhere('(u.email ILIKE :pattern OR u.full_name ILIKE :pattern)', {
        pattern: containsPattern(query.q),
      });
    }
    if (query.role) {
      qb.andWhere('u.role = :role', { role: query.role });
    }
    if (query.organisationId) {
      qb.andWhere('u.organisation_id = :organisationId', { organisationId: query.organisationId });
    }
    const { skip, take } = pageWindow(query);
    const [rows, total] = await qb
      .orderBy('u.email', 'ASC')
      .offset(skip)
      .limit(take)
      .getManyAndCount();
    return pageOf(rows.map(toUserResponse), total, query);
  }

  async get(id: string): Promise<UserResponse> {
    const user = await this.findById(id);
    if (!user) {
      throw new UserNotFoundError();
    }
    return toUserResponse(user);
  }

  async create(ctx: RequestContext, body: CreateUserRequest): Promise<UserResponse> {
    assertMembership(body.role, body.organisationId);
    const weakness = passwordWeakness(body.password);
    if (weakness) {
      throw new RequestValidationError([{ field: 'password', message: weakness }]);
    }
    // argon2 is slow on purpose: hash before the transaction, not while holding locks.
    const passwordHash = await hashPassword(body.password);
    return this.insert(ctx, body, { passwordHash, preferredLanguage: 'fr' }, 'user.created');
  }

  /**
   * Creates a user without a password and emails them an invitation whose code (7 days, single
   * use) lets them set one, both in one transaction.
   */
  async invite(ctx: RequestContext, actor: Actor, body: InviteUserRequest): Promise<UserResponse> {
    assertMembership(body.role, body.organisationId);
    return this.insert(
      ctx,
      body,
      { passwordHash: NO_PASSWORD_YET, preferredLanguage: body.preferredLanguage ?? 'fr' },
      'user.invited',
      (em, created) => this.emailInvitation(em, actor, created.id),
    );
  }

  /**
   * Writes the user (into an organisation that stays active meanwhile), then whatever
   * `alongside` adds, then the journal entry, in one transaction.
   */
  private insert(
    ctx: RequestContext,
    body: CreateUserRequest | InviteUserRequest,
    account: Pick<User, 'passwordHash' | 'preferredLanguage'>,
    action: 'user.created' | 'user.invited',
    alongside?: (em: EntityManager, created: User) => Promise<void>,
  ): Promise<UserResponse> {
    return this.db
      .transaction(async (em) => {
        if (body.organisationId) {
          await this.organisations.lockActive(
            em,
            body.organisationId,
            () => new MembershipEndedError(),
          );
        }
        const created = await em.save(
          em.create(User, {
            email: body.email,
            passwordHash: account.passwordHash,
            fullName: body.fullName,
            role: body.role,
            organisationId: body.organisationId ?? null,
            preferredLanguage: account.preferredLanguage,
            disabledAt: null,
            tokenVersion: 0,
            version: 1,
          }),
        );
        await alongside?.(em, created);
        await this.journal.append(em, ctx, {
          action,
          entityType: 'user',
          entityId: created.id,
          organisationId: created.organisationId,
          changes: { email: created.email, ...userView(created) },
        });
        return toUserResponse(created);
      })
      .catch(uniqueEmail);
  }

  /**
   * Emails an invited user a new code (7 days, single use), for one that expired or was lost;
   * the earlier code stops working. Only while the user is enabled and has no password yet.
   */
  async resendInvitation(ctx: RequestContext, actor: Actor, id: string): Promise<void> {
    await this.db.transaction(async (em) => {
      const seen = await em.findOneBy(User, { id });
      if (!seen) {
        throw new UserNotFoundError();
      }
      assertInvitationPending(seen);
      // The tokens, then the user row: the order in which accepting an invitation locks them.
      await this.emailInvitation(em, actor, id);
      const user = await em.findOneOrFail(User, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      assertInvitationPending(user);
      await this.journal.append(em, ctx, {
        action: 'user.invitation_resent',
        entityType: 'user',
        entityId: id,
        organisationId: user.organisationId,
      });
    });
  }

  /** A new invitation code for the user, by email through the outbox, in the caller's transaction. */
  private async emailInvitation(em: EntityManager, actor: Actor, userId: string): Promise<void> {
    const inviter = await em.findOneByOrFail(User, { id: actor.userId });
    const { token, expiresAt } = await issueAccountToken(em, userId, 'invitation', new Date());
    await this.notifications.sendAccountEmail(em, {
      kind: 'account.invitation',
      userId,
      token,
      expiresAt,
      invitedBy: inviter.fullName,
    });
  }

  /**
   * Name, role, organisation, enabled or not. Disabling, a new role or a new organisation end
   * the user's sessions; nobody may lock themselves out, nor disable or demote the last admin.
   */
  async update(
    ctx: RequestContext,
    actor: Actor,
    id: string,
    change: UpdateUserRequest,
    ifMatch: number[] | undefined,
  ): Promise<UserResponse> {
    if (actor.userId === id && (change.disabled || (change.role && change.role !== 'admin'))) {
      throw new SelfLockoutError();
    }
    return this.db.transaction(async (em) => {
      if (change.role !== undefined || change.disabled !== undefined) {
        await em.query('SELECT pg_advisory_xact_lock($1)', [ADMINS_LOCK_KEY]);
      }
      const before = await this.lockForChange(em, id, change);
      assertIfMatch('USER', before.version, ifMatch);
      const plan = planChange(before, change);
      await this.assertAdminRemains(em, before, plan);
      const changes = diff<UserView>(userView(before), plan, VIEW_FIELDS);
      if (Object.keys(changes).length === 0) {
        return toUserResponse(before);
      }
      const after = await updateVersioned(em, User, 'USER', before, toUserChanges(before, plan));
      if (plan.disabling) {
        await em.query(
          'UPDATE refresh_token SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
          [id],
        );
      }
      await this.journal.append(em, ctx, {
        action: plan.disabling ? 'user.disabled' : plan.enabling ? 'user.enabled' : 'user.updated',
        entityType: 'user',
        entityId: id,
        organisationId: after.organisationId ?? before.organisationId,
        changes,
      });
      return toUserResponse(after);
    });
  }

  /**
   * The user's row, locked. The organisation it will belong to is locked first (FOR SHARE, and
   * must be active) when it is joined or the user enabled: the order in which ending a
   * membership locks them, so that the two never deadlock.
   */
  private async lockForChange(em: EntityManager, id: string, change: UpdateUserRequest) {
    const seen = await em.findOneBy(User, { id });
    if (!seen) {
      throw new UserNotFoundError();
    }
    const plan = planChange(seen, change);
    if (plan.organisationId && (plan.enabling || plan.organisationId !== seen.organisationId)) {
      await this.organisations.lockActive(
        em,
        plan.organisationId,
        () => new MembershipEndedError(),
      );
    }
    const locked = await em.findOneOrFail(User, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
    if (locked.version !== seen.version) {
      // Changed between the two reads: what was locked above may no longer be what matters.
      throw new VersionMismatchError('USER', locked.version);
    }
    return locked;
  }

  // Serialised by the admins lock: two admins disabling each other cannot both succeed.
  private async assertAdminRemains(em: EntityManager, before: User, plan: UserPlan): Promise<void> {
    if (before.role !== 'admin' || before.disabledAt !== null) {
      return;
    }
    if (plan.role === 'admin' && !plan.disabling) {
      return;
    }
    const [{ others }] = await em.query<{ others: number }[]>(
      `SELECT count(*)::int AS others FROM app_user
        WHERE role = 'admin' AND disabled_at IS NULL AND id <> $1`,
      [before.id],
    );
    if (others === 0) {
      throw new LastAdminError();
    }
  }
}
