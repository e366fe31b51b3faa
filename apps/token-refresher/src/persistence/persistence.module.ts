import { Global, Module } from '@nestjs/common';
import { APP_CONFIG } from '@wxgate/platform';
import { DataSource } from 'typeorm';
import type { RefresherConfig } from '../config.js';
import { loadMasterKey } from '../secrets/master-key.js';
import { verifyMasterKey } from '../secrets/master-key-check.js';
import { SecretBox } from '../secrets/secret-box.js';
import { CredentialRepository } from './credential.repository.js';
import { MerchantRepository } from './merchant.repository.js';
import { TokenStateRepository } from './token-state.repository.js';

/**
 * The repositories over the refresher's database, and the SecretBox that seals their secrets. The
 * master key is checked against the database before anything else can use it.
 */
@Global()
@Module({
  providers: [
    {
      provide: SecretBox,
      inject: [DataSource, APP_CONFIG],
      useFactory: async (dataSource: DataSource, config: RefresherConfig) => {
        const box = new SecretBox(loadMasterKey({ value: config.WXGATE_MASTER_KEY, file: config.WXGATE_MASTER_KEY_FILE }));
        await verifyMasterKey(dataSource, box);
        return box;
      },
    },
    CredentialRepository,
    TokenStateRepository,
    MerchantRepository,
  ],
  exports: [SecretBox, CredentialRepository, TokenStateRepository, MerchantRepository],
})
export class PersistenceModule {}
