import { Injectable } from '@nestjs/common';
import { Reason, Subjects, WxgateError, type CredentialRef } from '@wxgate/contracts';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { notFound } from './token-errors.js';

/**
 * The four-token authorizer subjects (`wxgate.token.get.authorizer.<appid>`) and a
 * `credentials.delete` without `componentAppid` name no component. They keep working while the
 * authorizer belongs to one component; once several hold it, the caller must say which
 * (BAD_REQUEST naming the components and the five-token subject).
 */
@Injectable()
export class ResolveCredential {
  constructor(private readonly credentials: CredentialRepository) {}

  /** Whether `ref` still needs its component looked up (the four-token authorizer form). */
  static needsLookup(ref: CredentialRef): boolean {
    return ref.kind === 'authorizer' && ref.componentAppid === undefined;
  }

  /**
   * For tokens: the one component the app currently authorizes (an authorization revoked for one
   * component does not make the other ambiguous), else the one it ever authorized.
   */
  async forToken(ref: CredentialRef): Promise<CredentialRef> {
    if (!ResolveCredential.needsLookup(ref)) return ref;
    const held = await this.credentials.componentsOf(ref.appid);
    const authorized = held.filter((h) => h.status === 'authorized');
    return this.#one(ref, authorized.length > 0 ? authorized : held);
  }

  /** For deletion: the one component holding a row for the app, authorized or not. */
  async forRow(ref: CredentialRef): Promise<CredentialRef> {
    if (!ResolveCredential.needsLookup(ref)) return ref;
    return this.#one(ref, await this.credentials.componentsOf(ref.appid));
  }

  #one(ref: CredentialRef, held: { componentAppid: string }[]): CredentialRef {
    if (held.length === 0) throw notFound(ref);
    if (held.length > 1) {
      const components = held.map((h) => h.componentAppid);
      throw new WxgateError(
        Reason.BAD_REQUEST,
        `authorizer ${ref.appid} has authorized several components (${components.join(', ')}): name one, e.g. ${Subjects.token.get('authorizer', ref.appid, components[0])} or componentAppid in the request`,
      );
    }
    return { kind: 'authorizer', appid: ref.appid, componentAppid: held[0]!.componentAppid };
  }
}
