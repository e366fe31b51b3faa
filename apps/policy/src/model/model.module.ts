import { Module } from '@nestjs/common';
import { Clock } from '@wxgate/platform';
import { PolicyChanges } from './policy-changes.js';
import { PolicyModelLoader } from './policy-model-loader.js';
import { PolicyModelSync } from './policy-model-sync.js';
import { PolicyModel } from './policy-model.js';

/**
 * The in-memory policy every check reads. It is loaded from the database while the app is created,
 * before the NATS transport serves its first check.
 */
@Module({
  providers: [
    PolicyModelLoader,
    {
      provide: PolicyModel,
      inject: [PolicyModelLoader],
      useFactory: async (loader: PolicyModelLoader) => {
        const model = new PolicyModel();
        const snapshot = await loader.loadAll();
        model.replaceAll(snapshot.envs, snapshot.authorizers, snapshot.revision);
        return model;
      },
    },
    PolicyModelSync,
    PolicyChanges,
    Clock,
  ],
  exports: [PolicyModel, PolicyModelLoader, PolicyModelSync, PolicyChanges, Clock],
})
export class ModelModule {}
