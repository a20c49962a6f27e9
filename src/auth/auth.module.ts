import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { AuthGuard } from 'src/auth/auth.guard';
import { resolveJwtSecret } from 'src/auth/jwt-secret';
import { TokenService } from 'src/auth/token.service';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { MembersModule } from 'src/members/members.module';

@Module({
  imports: [
    MembersModule,
    JwtModule.registerAsync({
      inject: [appConfig.KEY],
      useFactory: async (config: AppConfig) => ({
        secret: await resolveJwtSecret(config),
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  providers: [TokenService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [TokenService],
})
export class AuthModule {}
