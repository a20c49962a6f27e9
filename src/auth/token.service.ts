import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash, randomBytes } from 'node:crypto';
import { ROLES, type Role } from 'src/auth/roles';
import { UnauthorizedError } from 'src/common/errors';
import { appConfig, type AppConfig } from 'src/config/app-config';

export const TOKEN_ISSUER = 'sanitary-charter';
export const TOKEN_AUDIENCE = 'sanitary-charter-api';

/** What an access token says of its holder. */
export interface AccessClaims {
  readonly sub: string;
  readonly role: Role;
  readonly org: string | null;
  /** The user's token version when it was issued; a bump ends every session. */
  readonly tv: number;
}

export interface TokenSubject {
  readonly id: string;
  readonly role: Role;
  readonly organisationId: string | null;
  readonly tokenVersion: number;
}

@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  get accessTokenTtlSeconds(): number {
    return this.config.accessTokenTtlSeconds;
  }

  issueAccessToken(user: TokenSubject): Promise<string> {
    const claims: AccessClaims = {
      sub: user.id,
      role: user.role,
      org: user.organisationId,
      tv: user.tokenVersion,
    };
    return this.jwt.signAsync(
      { role: claims.role, org: claims.org, tv: claims.tv },
      {
        subject: claims.sub,
        algorithm: 'HS256',
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        expiresIn: this.config.accessTokenTtlSeconds,
      },
    );
  }

  /** Checks signature, algorithm, issuer, audience and expiry; any failure is the same 401. */
  async verifyAccessToken(token: string): Promise<AccessClaims> {
    let payload: Record<string, unknown>;
    try {
      payload = await this.jwt.verifyAsync<Record<string, unknown>>(token, {
        algorithms: ['HS256'],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
      });
    } catch {
      throw invalidToken();
    }
    const { sub, role, org, tv } = payload;
    if (
      typeof sub !== 'string' ||
      !ROLES.includes(role as Role) ||
      !(org === null || typeof org === 'string') ||
      typeof tv !== 'number'
    ) {
      throw invalidToken();
    }
    return { sub, role: role as Role, org, tv };
  }
}

export function invalidToken(): UnauthorizedError {
  return new UnauthorizedError(
    'AUTH.INVALID_TOKEN',
    'The access token is missing, invalid or expired',
  );
}

/** A new opaque refresh token (256 random bits) and the hash under which it is stored. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
