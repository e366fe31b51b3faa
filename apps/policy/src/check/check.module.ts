import { Module } from '@nestjs/common';
import { ModelModule } from '../model/model.module.js';
import { CheckPolicy } from './check-policy.usecase.js';
import { CheckController } from './check.controller.js';

@Module({
  imports: [ModelModule],
  controllers: [CheckController],
  providers: [CheckPolicy],
})
export class CheckModule {}
