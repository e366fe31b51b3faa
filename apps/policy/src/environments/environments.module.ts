import { Module } from '@nestjs/common';
import { ModelModule } from '../model/model.module.js';
import { DeleteEnvironment } from './delete-environment.usecase.js';
import { EnvironmentRepository } from './environment.repository.js';
import { EnvironmentsController } from './environments.controller.js';
import { GetEnvironment } from './get-environment.usecase.js';
import { ListEnvironments } from './list-environments.usecase.js';
import { PutEnvironment } from './put-environment.usecase.js';

@Module({
  imports: [ModelModule],
  controllers: [EnvironmentsController],
  providers: [EnvironmentRepository, PutEnvironment, GetEnvironment, ListEnvironments, DeleteEnvironment],
  exports: [GetEnvironment],
})
export class EnvironmentsModule {}
