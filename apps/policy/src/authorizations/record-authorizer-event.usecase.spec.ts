import { DataSource } from 'typeorm';
import type { AuthorizerEvent } from '@wxgate/contracts';
import { POLICY_ENTITIES, POLICY_MIGRATIONS } from '../database/policy-database.js';
import { EnvironmentRepository } from '../environments/environment.repository.js';
import type { PolicyChanges } from '../model/policy-changes.js';
import { PolicyModelLoader } from '../model/policy-model-loader.js';
import { PolicyModelSync } from '../model/policy-model-sync.js';
import { PolicyModel } from '../model/policy-model.js';
import { AuthorizationRepository } from './authorization.repository.js';
import { RecordAuthorizerEvent } from './record-authorizer-event.usecase.js';

const COMPONENT = 'wxc234567890abcdef';
const AUTHORIZER = 'wxa134567890abcdef';

describe('recording authorizer events (SQLite in memory, migrations applied)', () => {
  let dataSource: DataSource;
  let model: PolicyModel;
  let announced: string[][];
  let record: RecordAuthorizerEvent;
  const event = (status: AuthorizerEvent['status'], at: number): AuthorizerEvent => ({ status, funcScopes: [1], at });

  beforeEach(async () => {
    dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: POLICY_ENTITIES, migrations: POLICY_MIGRATIONS });
    await dataSource.initialize();
    await dataSource.runMigrations();
    const environments = new EnvironmentRepository(dataSource);
    await environments.put({ envId: 'a', ownerAppid: COMPONENT, ownerKind: 'component' }, 1);
    await environments.put({ envId: 'b', ownerAppid: COMPONENT, ownerKind: 'component' }, 1);
    await environments.put({ envId: 'c', ownerAppid: COMPONENT, ownerKind: 'app' }, 1);
    model = new PolicyModel();
    const loader = new PolicyModelLoader(dataSource);
    const sync = new PolicyModelSync(model, loader, undefined as never);
    announced = [];
    const changes = { announce: async (envIds: Iterable<string>) => void announced.push([...envIds].sort()) } as unknown as PolicyChanges;
    record = new RecordAuthorizerEvent(new AuthorizationRepository(dataSource), sync, loader, changes);
  });

  afterEach(() => dataSource.destroy());

  it('authorizes, announcing every environment the component owns (not one an app of that appid owns)', async () => {
    expect(await record.execute(COMPONENT, AUTHORIZER, event('authorized', 10))).toEqual({ applied: true, authorized: true, flipped: true });
    expect(model.isAuthorizer(COMPONENT, AUTHORIZER)).toBe(true);
    expect(announced).toEqual([['a', 'b']]);
  });

  it('ignores duplicates and older events, and announces nothing for them', async () => {
    await record.execute(COMPONENT, AUTHORIZER, event('authorized', 10));
    await record.execute(COMPONENT, AUTHORIZER, event('unauthorized', 20));
    expect(await record.execute(COMPONENT, AUTHORIZER, event('unauthorized', 20))).toMatchObject({ applied: false, flipped: false });
    expect(await record.execute(COMPONENT, AUTHORIZER, event('authorized', 15))).toMatchObject({ applied: false, flipped: false });
    expect(await record.execute(COMPONENT, AUTHORIZER, event('authorized', 20))).toMatchObject({ applied: false, flipped: false });
    expect(model.isAuthorizer(COMPONENT, AUTHORIZER)).toBe(false);
    expect(announced).toHaveLength(2);
  });

  it('stores a newer event that keeps the status without announcing it', async () => {
    await record.execute(COMPONENT, AUTHORIZER, event('authorized', 10));
    expect(await record.execute(COMPONENT, AUTHORIZER, { status: 'authorized', funcScopes: [1, 17], at: 30 })).toEqual({ applied: true, authorized: true, flipped: false });
    expect(announced).toHaveLength(1);
  });

  it('treats a first unauthorized event as no change (never authorized is not authorized)', async () => {
    expect(await record.execute(COMPONENT, AUTHORIZER, event('unauthorized', 10))).toEqual({ applied: true, authorized: false, flipped: false });
    expect(await record.execute(COMPONENT, AUTHORIZER, event('authorized', 5))).toMatchObject({ applied: false });
    expect(announced).toEqual([]);
  });

  it('reaches the same state whatever order a replay delivers the events in', async () => {
    const events = [event('authorized', 1), event('unauthorized', 2), event('authorized', 3), event('unauthorized', 4)];
    for (const e of [...events].reverse()) await record.execute(COMPONENT, AUTHORIZER, e);
    for (const e of events) await record.execute(COMPONENT, AUTHORIZER, e);
    expect(model.isAuthorizer(COMPONENT, AUTHORIZER)).toBe(false);
    expect(await new PolicyModelLoader(dataSource).loadAuthorizers(COMPONENT)).toEqual([]);
  });
});
