import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JournalEntry } from 'src/journal/journal-entry.entity';
import { JournalController } from 'src/journal/journal.controller';
import { JournalService } from 'src/journal/journal.service';

/** Every mutation of every feature writes here: global, so that no feature forgets it. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([JournalEntry])],
  controllers: [JournalController],
  providers: [JournalService],
  exports: [JournalService],
})
export class JournalModule {}
