import type { DataSource } from 'typeorm';
import { MetaEntity } from '../persistence/entities/meta.entity.js';
import { MasterKeyError } from './master-key.js';
import { SecretBox, SecretOpenError } from './secret-box.js';

const CHECK_KEY = 'master_key_check';
const CHECK_CONTEXT = 'meta:master_key_check';
const CHECK_PLAINTEXT = 'wxgate token-refresher master key';

/**
 * The first start seals a known value into the database; every later start must open it. A wrong
 * key thus stops the service with one line instead of serving garbage or failing per request.
 */
export async function verifyMasterKey(dataSource: DataSource, box: SecretBox): Promise<void> {
  const meta = dataSource.getRepository(MetaEntity);
  let row = await meta.findOneBy({ key: CHECK_KEY });
  if (!row) {
    await meta.createQueryBuilder().insert().values({ key: CHECK_KEY, value: box.seal(CHECK_PLAINTEXT, CHECK_CONTEXT) }).orIgnore().execute();
    row = await meta.findOneByOrFail({ key: CHECK_KEY });
  }
  try {
    if (box.open(row.value, CHECK_CONTEXT) === CHECK_PLAINTEXT) return;
  } catch (err) {
    if (!(err instanceof SecretOpenError)) throw err;
  }
  throw new MasterKeyError('the master key (WXGATE_MASTER_KEY or its key file) is not the one this database was encrypted with; refusing to start');
}
