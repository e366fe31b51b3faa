import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { addEnvMember, removeEnvMember } from '../database/env-members.js';
import { ShareEntity } from './share.entity.js';

/** `undefined` = no such environment; `false` = nothing to do. */
@Injectable()
export class ShareRepository {
  constructor(private readonly dataSource: DataSource) {}

  add(envId: string, appid: string, now: number): Promise<boolean | undefined> {
    return addEnvMember(this.dataSource, ShareEntity, { envId, appid, addedAt: now });
  }

  remove(envId: string, appid: string): Promise<boolean | undefined> {
    return removeEnvMember(this.dataSource, ShareEntity, envId, { appid });
  }
}
