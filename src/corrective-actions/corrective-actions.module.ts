import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CorrectiveActionReply } from 'src/corrective-actions/corrective-action-reply.entity';
import { CorrectiveActionReviewsService } from 'src/corrective-actions/corrective-action-reviews.service';
import { CorrectiveAction } from 'src/corrective-actions/corrective-action.entity';
import { CorrectiveActionsController } from 'src/corrective-actions/corrective-actions.controller';
import { CorrectiveActionsService } from 'src/corrective-actions/corrective-actions.service';
import { EvidenceModule } from 'src/evidence/evidence.module';
import { MembersModule } from 'src/members/members.module';
import { NotificationsModule } from 'src/notifications/notifications.module';

@Module({
  imports: [
    TypeOrmModule.forFeature([CorrectiveAction, CorrectiveActionReply]),
    MembersModule,
    EvidenceModule,
    NotificationsModule,
  ],
  controllers: [CorrectiveActionsController],
  providers: [CorrectiveActionsService, CorrectiveActionReviewsService],
  exports: [CorrectiveActionsService],
})
export class CorrectiveActionsModule {}
