import { Module } from '@nestjs/common';
import { EnvironmentsModule } from '../environments/environments.module.js';
import { ModelModule } from '../model/model.module.js';
import { AddAllowlistPaths } from './add-allowlist-paths.usecase.js';
import { AllowlistController } from './allowlist.controller.js';
import { AllowlistRepository } from './allowlist.repository.js';
import { RemoveAllowlistPaths } from './remove-allowlist-paths.usecase.js';

@Module({
  imports: [ModelModule, EnvironmentsModule],
  controllers: [AllowlistController],
  providers: [AllowlistRepository, AddAllowlistPaths, RemoveAllowlistPaths],
})
export class AllowlistModule {}
