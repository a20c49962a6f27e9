import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Notification } from 'src/notifications/notification.entity';
import { NotificationDispatcher } from 'src/notifications/notification-dispatcher';
import { NotificationInboxService } from 'src/notifications/notification-inbox.service';
import { NotificationRetention } from 'src/notifications/notification-retention';
import {
  MyNotificationsController,
  OutboxController,
} from 'src/notifications/notifications.controller';
import { NotificationsService } from 'src/notifications/notifications.service';
import { ReminderSweep } from 'src/notifications/reminder-sweep';
import { SchedulerModule } from 'src/scheduler/scheduler.module';

/**
 * The transactional outbox of emails and in-app notifications: what use cases write in their
 * transactions, the dispatcher that sends it, the routes of each user's notifications and of the
 * administrators' outbox. Global, so that the account emails of the auth and members modules
 * reach it without importing it.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Notification]), SchedulerModule],
  controllers: [MyNotificationsController, OutboxController],
  providers: [
    NotificationsService,
    NotificationDispatcher,
    NotificationInboxService,
    ReminderSweep,
    NotificationRetention,
  ],
  exports: [NotificationsService],
})
export class NotificationsModule {}
