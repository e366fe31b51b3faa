import { Injectable } from '@nestjs/common';
import type { CallbackKeyStore, CallbackKeys } from '../callback/callback-keys.js';
import { CredentialRepository } from '../persistence/credential.repository.js';

/** The callback receiver's keys: a component's verification token and EncodingAESKeys, current first. */
@Injectable()
export class ComponentCallbackKeys implements CallbackKeyStore {
  constructor(private readonly credentials: CredentialRepository) {}

  async keysFor(componentAppid: string): Promise<CallbackKeys | undefined> {
    const component = await this.credentials.component(componentAppid);
    if (!component) return undefined;
    return {
      token: component.verifyToken,
      encodingAesKeys: component.previousAesKey ? [component.aesKey, component.previousAesKey] : [component.aesKey],
    };
  }
}
