import { AppEntity } from './entities/app.entity.js';
import { AuthorizerEntity } from './entities/authorizer.entity.js';
import { ComponentEntity } from './entities/component.entity.js';
import { MerchantEntity } from './entities/merchant.entity.js';
import { MetaEntity } from './entities/meta.entity.js';
import { PayNotificationEntity } from './entities/pay-notification.entity.js';
import { TokenStateEntity } from './entities/token-state.entity.js';
import { RefresherInitial1763700000000 } from './migrations/1763700000000-refresher-initial.js';
import { RefresherMerchants1796298895573 } from './migrations/1796298895573-refresher-merchants.js';

/** What `DatabaseModule.forRoot` opens and migrates for the token-refresher. */
export const REFRESHER_ENTITIES = [MetaEntity, ComponentEntity, AppEntity, AuthorizerEntity, TokenStateEntity, MerchantEntity, PayNotificationEntity];
export const REFRESHER_MIGRATIONS = [RefresherInitial1763700000000, RefresherMerchants1796298895573];
