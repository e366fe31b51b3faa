import { Module } from '@nestjs/common';
import { EnvironmentsModule } from '../environments/environments.module.js';
import { ModelModule } from '../model/model.module.js';
import { BindMerchant } from './bind-merchant.usecase.js';
import { MerchantBindingRepository } from './merchant-binding.repository.js';
import { MerchantsController } from './merchants.controller.js';
import { UnbindMerchant } from './unbind-merchant.usecase.js';

/** WeChat Pay merchants bound to environments. */
@Module({
  imports: [ModelModule, EnvironmentsModule],
  controllers: [MerchantsController],
  providers: [MerchantBindingRepository, BindMerchant, UnbindMerchant],
})
export class MerchantsModule {}
