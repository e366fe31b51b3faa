import { Module } from '@nestjs/common';
import { ModelModule } from '../model/model.module.js';
import { AddCaller } from './add-caller.usecase.js';
import { CallerRepository } from './caller.repository.js';
import { CallersController } from './callers.controller.js';
import { GetCallerHashes, ListCallers } from './list-callers.usecase.js';
import { RemoveCaller } from './remove-caller.usecase.js';

/** Caller credentials per environment (docs/callers.md). */
@Module({
  imports: [ModelModule],
  controllers: [CallersController],
  providers: [CallerRepository, AddCaller, RemoveCaller, ListCallers, GetCallerHashes],
})
export class CallersModule {}
