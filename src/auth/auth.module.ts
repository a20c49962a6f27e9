import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountThrottleGuard } from 'src/auth/account-throttle.guard';
import { AuthController } from 'src/auth/auth.controller';
import { AuthGuard } from 'src/auth/auth.guard';
import { AuthService } from 'src/auth/auth.service';
import { LoginThrottleService } from 'src/auth/login-throttle.service';
import { RefreshToken } from 'src/auth/refresh-token.entity';
import { resolveJwtSecret } from 'src/auth/jwt-secret';
import { TokenService } from 'src/auth/token.service';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { MembersModule } from 'src/members/members.module';

@Module({
  imports: [
    MembersModule,
    TypeOrmModule.forFeature([RefreshToken]),
    JwtModule.registerAsync({
      inject: [appConfig.KEY],
      useFactory: async (config: AppConfig) => ({
        secret: await resolveJwtSecret(config),
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    TokenService,
    AuthService,
    LoginThrottleService,
    AccountThrottleGuard,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [TokenService],
})
export class AuthModule {}
