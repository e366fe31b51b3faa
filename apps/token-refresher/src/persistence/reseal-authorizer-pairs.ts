import type { DataSource } from 'typeorm';
import type { SecretBox } from '../secrets/secret-box.js';
import { refreshTokenContext } from './credential.repository.js';
import { AuthorizerEntity } from './entities/authorizer.entity.js';
import { MetaEntity } from './entities/meta.entity.js';
import { TokenStateEntity } from './entities/token-state.entity.js';
import { RESEAL_PAIRS_KEY } from './migrations/1764760000000-authorizer-pairs.js';
import { tokenContext } from './token-state.repository.js';

/**
 * Finishes the AuthorizerPairs migration, which needs the master key: authorizer refresh and
 * access tokens sealed before authorizers were pairs are re-sealed under their pair's context, so
 * they stay valid (no WeChat call) and a value copied to another pair's row does not open.
 * Runs once, in one transaction; the replica that deletes the marker does it, the others skip.
 */
export async function resealAuthorizerPairs(dataSource: DataSource, box: SecretBox): Promise<number> {
  return dataSource.transaction(async (manager) => {
    const claimed = await manager.getRepository(MetaEntity).delete({ key: RESEAL_PAIRS_KEY });
    if ((claimed.affected ?? 0) === 0) return 0;
    let resealed = 0;
    const authorizers = manager.getRepository(AuthorizerEntity);
    for (const row of await authorizers.find()) {
      if (row.refreshToken === null) continue;
      const plain = box.open(row.refreshToken, `authorizer:${row.appid}:refresh_token`);
      await authorizers.update({ componentAppid: row.componentAppid, appid: row.appid }, { refreshToken: box.seal(plain, refreshTokenContext(row)) });
      resealed++;
    }
    const tokens = manager.getRepository(TokenStateEntity);
    for (const row of await tokens.findBy({ kind: 'authorizer' })) {
      if (row.token === null) continue;
      const plain = box.open(row.token, `token:authorizer:${row.appid}`);
      const ref = { kind: 'authorizer' as const, componentAppid: row.componentAppid, appid: row.appid };
      await tokens.update({ kind: 'authorizer', componentAppid: row.componentAppid, appid: row.appid }, { token: box.seal(plain, tokenContext(ref)) });
      resealed++;
    }
    return resealed;
  });
}
