import { AllowlistPathEntity } from '../allowlist/allowlist-path.entity.js';
import { AuthorizationEntity } from '../authorizations/authorization.entity.js';
import { CallerEntity } from '../callers/caller.entity.js';
import { EnvironmentEntity } from '../environments/environment.entity.js';
import { PolicyRevisionEntity } from '../revision/policy-revision.entity.js';
import { ShareEntity } from '../sharing/share.entity.js';
import { MerchantBindingEntity } from '../merchants/merchant-binding.entity.js';
import { InitialPolicy1732100000000 } from './1732100000000-initial-policy.migration.js';
import { PolicyCallers1764700000000 } from './1764700000000-policy-callers.migration.js';
import { MerchantBindings1796299500000 } from './1796299500000-merchant-bindings.migration.js';
import { PolicyRevision1764800000000 } from './1764800000000-policy-revision.migration.js';

export const POLICY_ENTITIES = [EnvironmentEntity, AllowlistPathEntity, ShareEntity, AuthorizationEntity, CallerEntity, PolicyRevisionEntity, MerchantBindingEntity];
export const POLICY_MIGRATIONS = [InitialPolicy1732100000000, PolicyCallers1764700000000, PolicyRevision1764800000000, MerchantBindings1796299500000];
