import type { PolicyModelLoader } from './policy-model-loader.js';
import { PolicyModelSync } from './policy-model-sync.js';
import { PolicyModel, type EnvView } from './policy-model.js';

const COMPONENT = 'wxc234567890abcdef';

/** A loader over a mutable "database", recording what each reload asked for. */
function fakeLoader() {
  const db = new Map<string, EnvView>();
  const authorizers = new Map<string, string[]>();
  const calls: string[][] = [];
  let gate: Promise<void> = Promise.resolve();
  let failNext = false;
  const state = { revision: 0 };
  const loader = {
    async loadRevision() {
      return state.revision;
    },
    async loadEnvs(envIds: string[]) {
      calls.push([...envIds].sort());
      await gate;
      if (failNext) {
        failNext = false;
        throw new Error('database unreachable');
      }
      return new Map(envIds.flatMap((id) => (db.has(id) ? [[id, db.get(id)!] as const] : [])));
    },
    async loadAuthorizers(componentAppid: string) {
      return authorizers.get(componentAppid) ?? [];
    },
  } as unknown as PolicyModelLoader;
  return {
    loader,
    state,
    db,
    authorizers,
    calls,
    hold: () => {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = Promise.resolve();
        release();
      };
    },
    failNext: () => (failNext = true),
  };
}

const env = (envId: string, paths: string[] = []): EnvView => ({ envId, ownerAppid: COMPONENT, ownerKind: 'component', paths: new Set(paths), shares: new Set() });

describe('keeping the in-memory model equal to the database', () => {
  it('reloads an environment with its owner component’s authorizers, and drops a deleted one', async () => {
    const fake = fakeLoader();
    const model = new PolicyModel();
    const sync = new PolicyModelSync(model, fake.loader, undefined as never);
    fake.db.set('a', env('a', ['/wxa/x']));
    fake.authorizers.set(COMPONENT, ['wxa134567890abcdef']);
    await sync.refreshEnv('a');
    expect(model.env('a')?.paths.has('/wxa/x')).toBe(true);
    expect(model.isAuthorizer(COMPONENT, 'wxa134567890abcdef')).toBe(true);
    fake.db.delete('a');
    await sync.refreshEnv('a');
    expect(model.env('a')).toBeUndefined();
  });

  it('serves every refresh requested during a running reload with one more reload', async () => {
    const fake = fakeLoader();
    const sync = new PolicyModelSync(new PolicyModel(), fake.loader, undefined as never);
    const release = fake.hold();
    const first = sync.refreshEnv('a');
    while (fake.calls.length === 0) await Promise.resolve();
    const rest = ['b', 'c', 'd', 'b'].map((id) => sync.refreshEnv(id));
    release();
    await Promise.all([first, ...rest]);
    expect(fake.calls).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('labels each reloaded environment with the revision read before it, and reloads only a copy older than minRevision', async () => {
    const fake = fakeLoader();
    const model = new PolicyModel();
    const sync = new PolicyModelSync(model, fake.loader, undefined as never);
    model.replaceAll([], new Map(), 3);
    expect(model.revisionOf('a')).toBe(3);
    fake.db.set('a', env('a', ['/wxa/x']));
    fake.state.revision = 5;
    await sync.reachRevision('a', 3);
    expect(fake.calls).toEqual([]);
    await sync.reachRevision('a', 5);
    expect(fake.calls).toEqual([['a']]);
    expect(model.revisionOf('a')).toBe(5);
    expect(model.revisionOf('b')).toBe(3);
    expect(model.env('a')?.paths.has('/wxa/x')).toBe(true);
    await sync.reachRevision('a', 4);
    expect(fake.calls).toHaveLength(1);
  });

  it('keeps an environment to reload after a failed reload', async () => {
    const fake = fakeLoader();
    const model = new PolicyModel();
    const sync = new PolicyModelSync(model, fake.loader, undefined as never);
    fake.db.set('a', env('a'));
    fake.failNext();
    await expect(sync.refreshEnv('a')).rejects.toThrow('database unreachable');
    expect(model.env('a')).toBeUndefined();
    fake.db.set('b', env('b'));
    await sync.refreshEnv('b');
    expect(fake.calls.at(-1)).toEqual(['a', 'b']);
    expect(model.env('a')).toBeDefined();
  });
});
