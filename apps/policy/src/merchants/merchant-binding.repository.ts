import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { addEnvMember, removeEnvMember } from '../database/env-members.js';
import { MerchantBindingEntity } from './merchant-binding.entity.js';

/** `undefined` = no such environment; `false` = nothing to do. */
@Injectable()
export class MerchantBindingRepository {
  constructor(private readonly dataSource: DataSource) {}

  bind(envId: string, mchid: string, now: number): Promise<boolean | undefined> {
    return addEnvMember(this.dataSource, MerchantBindingEntity, { envId, mchid, boundAt: now });
  }

  unbind(envId: string, mchid: string): Promise<boolean | undefined> {
    return removeEnvMember(this.dataSource, MerchantBindingEntity, envId, { mchid });
  }
}
