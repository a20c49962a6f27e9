import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CharterModule } from 'src/charter/charter.module';
import { EvidenceModule } from 'src/evidence/evidence.module';
import { MembersModule } from 'src/members/members.module';
import { SelfAssessmentAnswer } from 'src/self-assessments/self-assessment-answer.entity';
import { SelfAssessmentAnswersService } from 'src/self-assessments/self-assessment-answers.service';
import { SelfAssessment } from 'src/self-assessments/self-assessment.entity';
import { SelfAssessmentsController } from 'src/self-assessments/self-assessments.controller';
import { SelfAssessmentsService } from 'src/self-assessments/self-assessments.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([SelfAssessment, SelfAssessmentAnswer]),
    CharterModule,
    MembersModule,
    EvidenceModule,
  ],
  controllers: [SelfAssessmentsController],
  providers: [SelfAssessmentsService, SelfAssessmentAnswersService],
  exports: [SelfAssessmentsService],
})
export class SelfAssessmentsModule {}
