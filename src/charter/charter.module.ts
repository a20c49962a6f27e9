import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CharterCommitment } from 'src/charter/charter-commitment.entity';
import { CharterDraftingController } from 'src/charter/charter-drafting.controller';
import { CharterDraftingService } from 'src/charter/charter-drafting.service';
import { CharterController } from 'src/charter/charter.controller';
import { CharterRules } from 'src/charter/charter-rules.entity';
import { CharterService } from 'src/charter/charter.service';
import { CharterVersion } from 'src/charter/charter-version.entity';

@Module({
  imports: [TypeOrmModule.forFeature([CharterVersion, CharterRules, CharterCommitment])],
  controllers: [CharterController, CharterDraftingController],
  providers: [CharterService, CharterDraftingService],
  exports: [CharterService],
})
export class CharterModule {}
