import { Module } from '@nestjs/common';
import { EnvironmentsModule } from '../environments/environments.module.js';
import { ModelModule } from '../model/model.module.js';
import { AddShare } from './add-share.usecase.js';
import { RemoveShare } from './remove-share.usecase.js';
import { ShareRepository } from './share.repository.js';
import { SharingController } from './sharing.controller.js';

@Module({
  imports: [ModelModule, EnvironmentsModule],
  controllers: [SharingController],
  providers: [ShareRepository, AddShare, RemoveShare],
})
export class SharingModule {}
