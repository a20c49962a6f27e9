import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminBootstrapService } from 'src/members/admin-bootstrap.service';
import { Organisation } from 'src/members/organisation.entity';
import { OrganisationsController } from 'src/members/organisations.controller';
import { OrganisationsService } from 'src/members/organisations.service';
import { Site } from 'src/members/site.entity';
import { SitesController } from 'src/members/sites.controller';
import { SitesService } from 'src/members/sites.service';
import { User } from 'src/members/user.entity';
import { UsersController } from 'src/members/users.controller';
import { UsersService } from 'src/members/users.service';

@Module({
  imports: [TypeOrmModule.forFeature([Organisation, Site, User])],
  controllers: [OrganisationsController, SitesController, UsersController],
  providers: [OrganisationsService, SitesService, UsersService, AdminBootstrapService],
  exports: [OrganisationsService, SitesService, UsersService],
})
export class MembersModule {}
