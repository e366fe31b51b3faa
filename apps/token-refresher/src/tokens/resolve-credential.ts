import { Injectable } from '@nestjs/common';
import { Reason, Subjects, WxgateError, type CredentialRef } from '@wxgate/contracts';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { notFound } from './mint-token.js';

/**
 * The four-token authorizer subjects (`wxgate.token.get.authorizer.<appid>`) name no component.
 * They keep answering while exactly one component holds that authorizer; once several do, the
 * caller must say which (BAD_REQUEST naming the components and the five-token subject).
 */
@Injectable()
export class ResolveCredential {
  constructor(private readonly credentials: CredentialRepository) {}

  /** Whether `ref` still needs its component looked up (the four-token authorizer form). */
  static needsLookup(ref: CredentialRef): boolean {
    return ref.kind === 'authorizer' && ref.componentAppid === undefined;
  }

  async run(ref: CredentialRef): Promise<CredentialRef> {
    if (!ResolveCredential.needsLookup(ref)) return ref;
    const components = await this.credentials.componentsOf(ref.appid);
    if (components.length === 0) throw notFound(ref);
    if (components.length > 1) {
      throw new WxgateError(
        Reason.BAD_REQUEST,
        `authorizer ${ref.appid} has authorized several components (${components.join(', ')}): name one, e.g. ${Subjects.token.get('authorizer', ref.appid, components[0])}`,
      );
    }
    return { kind: 'authorizer', appid: ref.appid, componentAppid: components[0] };
  }
}
