import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Organisation } from 'src/members/organisation.entity';
import { Site } from 'src/members/site.entity';
import { User } from 'src/members/user.entity';
import { UsersService } from 'src/members/users.service';

@Module({
  imports: [TypeOrmModule.forFeature([Organisation, Site, User])],
  providers: [UsersService],
  exports: [UsersService],
})
export class MembersModule {}
