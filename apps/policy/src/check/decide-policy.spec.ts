import type { PolicyDecision } from '@wxgate/contracts';
import { PolicyModel } from '../model/policy-model.js';
import { decidePolicy, type CheckInput } from './decide-policy.js';

const APP = 'wx00000000000000a1';
const SHARED = 'wx00000000000000a2';
const STRANGER = 'wx00000000000000a3';
const COMPONENT = 'wx00000000000000c1';
const SECOND_COMPONENT = 'wx00000000000000c2';
const AUTHORIZER = 'wx00000000000000b1';
const OTHER_AUTHORIZER = 'wx00000000000000b2';
const LEFT = 'wx00000000000000b3';
const NEVER = 'wx00000000000000b4';

function model(): PolicyModel {
  const m = new PolicyModel();
  m.setEnv('app-env', {
    envId: 'app-env',
    ownerAppid: APP,
    ownerKind: 'app',
    paths: new Set(['/wxa/getwxacode', '/cgi-bin/message/custom/send']),
    shares: new Set([SHARED]),
  });
  const componentPaths = new Set([
    '/cgi-bin/component/api_get_authorizer_list',
    '/sns/component/jscode2session',
    '/wxa/gettemplatedraftlist',
    '/wxa/getwxacode',
  ]);
  m.setEnv('comp-env', { envId: 'comp-env', ownerAppid: COMPONENT, ownerKind: 'component', paths: componentPaths, shares: new Set() });
  m.setEnv('comp-shared', { envId: 'comp-shared', ownerAppid: COMPONENT, ownerKind: 'component', paths: componentPaths, shares: new Set([OTHER_AUTHORIZER]) });
  m.setAuthorizers(COMPONENT, [AUTHORIZER, OTHER_AUTHORIZER, LEFT]);
  // LEFT authorized once, then unauthorized: it must be denied like one that never authorized.
  m.setAuthorized(COMPONENT, LEFT, false);
  // AUTHORIZER also authorized a second component of the same service provider.
  m.setEnv('second-env', { envId: 'second-env', ownerAppid: SECOND_COMPONENT, ownerKind: 'component', paths: componentPaths, shares: new Set() });
  m.setAuthorizers(SECOND_COMPONENT, [AUTHORIZER]);
  return m;
}

const allow = (kind: 'app' | 'component' | 'authorizer', appid: string, tokenParam: string, componentAppid?: string): PolicyDecision =>
  (componentAppid ? { allowed: true, credential: { kind, appid }, tokenParam, componentAppid } : { allowed: true, credential: { kind, appid }, tokenParam }) as PolicyDecision;
/** An authorizer's token is the pair's: the component owning the environment, and the app. */
const pair = (appid: string, componentAppid = COMPONENT): PolicyDecision => ({
  allowed: true,
  credential: { kind: 'authorizer', appid, componentAppid },
  tokenParam: 'access_token',
});
const deny = (reason: string, errcode: number) => ({ allowed: false, reason, errcode, message: expect.any(String) });

describe('policy.check rules (docs/nats-interface.md)', () => {
  it.each<[string, CheckInput, unknown]>([
    // rule 1
    ['unknown environment → ENV_NOT_FOUND 48001', { envId: 'nowhere', path: '/wxa/getwxacode' }, deny('ENV_NOT_FOUND', 48001)],
    // rule 2
    ['path not on the allowlist → PATH_NOT_ALLOWED 85107', { envId: 'app-env', path: '/wxa/commit' }, deny('PATH_NOT_ALLOWED', 85107)],
    ['allowlist matching is case-sensitive', { envId: 'app-env', path: '/wxa/GetWxaCode' }, deny('PATH_NOT_ALLOWED', 85107)],
    ['allowlist matching is exact (no prefix match)', { envId: 'app-env', path: '/wxa/getwxacode/x' }, deny('PATH_NOT_ALLOWED', 85107)],
    ['path rule comes before the from_appid rule', { envId: 'app-env', path: '/wxa/commit', fromAppid: STRANGER }, deny('PATH_NOT_ALLOWED', 85107)],
    // rule 3: app environments
    ['app env, no from_appid → the owner app token', { envId: 'app-env', path: '/wxa/getwxacode' }, allow('app', APP, 'access_token')],
    ['app env, from_appid = owner → the owner app token', { envId: 'app-env', path: '/wxa/getwxacode', fromAppid: APP }, allow('app', APP, 'access_token')],
    ['app env, shared from_appid → that app token', { envId: 'app-env', path: '/wxa/getwxacode', fromAppid: SHARED }, allow('app', SHARED, 'access_token')],
    ['app env, from_appid not shared → FROM_APPID_NOT_SHARED 48001', { envId: 'app-env', path: '/wxa/getwxacode', fromAppid: STRANGER }, deny('FROM_APPID_NOT_SHARED', 48001)],
    // rule 4: component environments, no from_appid
    [
      'component env, component API path → component token under component_access_token, with componentAppid',
      { envId: 'comp-env', path: '/cgi-bin/component/api_get_authorizer_list' },
      allow('component', COMPONENT, 'component_access_token', COMPONENT),
    ],
    [
      'component env, /sns/component/jscode2session → component_access_token with componentAppid',
      { envId: 'comp-env', path: '/sns/component/jscode2session' },
      allow('component', COMPONENT, 'component_access_token', COMPONENT),
    ],
    [
      'component env, template library path → component token under access_token, no componentAppid',
      { envId: 'comp-env', path: '/wxa/gettemplatedraftlist' },
      allow('component', COMPONENT, 'access_token'),
    ],
    ['component env, ordinary path → component token under access_token', { envId: 'comp-env', path: '/wxa/getwxacode' }, allow('component', COMPONENT, 'access_token')],
    // rule 4: component environments, with from_appid
    ['component env, authorized from_appid → its authorizer token', { envId: 'comp-env', path: '/wxa/getwxacode', fromAppid: AUTHORIZER }, pair(AUTHORIZER)],
    [
      'an app that authorized two components gets the pair of the environment owner',
      { envId: 'second-env', path: '/wxa/getwxacode', fromAppid: AUTHORIZER },
      pair(AUTHORIZER, SECOND_COMPONENT),
    ],
    ['an authorizer of one component only is not one of the other', { envId: 'second-env', path: '/wxa/getwxacode', fromAppid: OTHER_AUTHORIZER }, deny('AUTHORIZER_NOT_AUTHORIZED', 61007)],
    [
      'component env, authorized from_appid on a component path still gets its authorizer token under access_token',
      { envId: 'comp-env', path: '/sns/component/jscode2session', fromAppid: AUTHORIZER },
      pair(AUTHORIZER),
    ],
    ['component env, never-authorized from_appid → AUTHORIZER_NOT_AUTHORIZED 61007', { envId: 'comp-env', path: '/wxa/getwxacode', fromAppid: NEVER }, deny('AUTHORIZER_NOT_AUTHORIZED', 61007)],
    ['component env, from_appid unauthorized later → AUTHORIZER_NOT_AUTHORIZED 61007', { envId: 'comp-env', path: '/wxa/getwxacode', fromAppid: LEFT }, deny('AUTHORIZER_NOT_AUTHORIZED', 61007)],
    ['component env, from_appid = the component itself is not an authorizer', { envId: 'comp-env', path: '/wxa/getwxacode', fromAppid: COMPONENT }, deny('AUTHORIZER_NOT_AUTHORIZED', 61007)],
    [
      'component env with a share list, authorized from_appid not on it → AUTHORIZER_NOT_AUTHORIZED 61007',
      { envId: 'comp-shared', path: '/wxa/getwxacode', fromAppid: AUTHORIZER },
      deny('AUTHORIZER_NOT_AUTHORIZED', 61007),
    ],
    [
      'component env with a share list, authorized from_appid on it → its authorizer token',
      { envId: 'comp-shared', path: '/wxa/getwxacode', fromAppid: OTHER_AUTHORIZER },
      pair(OTHER_AUTHORIZER),
    ],
    [
      'component env with a share list, unauthorized from_appid on it → AUTHORIZER_NOT_AUTHORIZED 61007',
      { envId: 'comp-shared', path: '/wxa/getwxacode', fromAppid: NEVER },
      deny('AUTHORIZER_NOT_AUTHORIZED', 61007),
    ],
  ])('%s', (_name, input, expected) => {
    expect(decidePolicy(model(), input)).toEqual(expected);
  });

  it('an authorizer of another component is not an authorizer of this one', () => {
    const m = model();
    m.setAuthorizers('wx00000000000000c2', [NEVER]);
    expect(decidePolicy(m, { envId: 'comp-env', path: '/wxa/getwxacode', fromAppid: NEVER })).toMatchObject({ allowed: false, reason: 'AUTHORIZER_NOT_AUTHORIZED' });
  });

  it('decides well over 100k checks per second in-process', () => {
    const m = model();
    const inputs: CheckInput[] = [
      { envId: 'app-env', path: '/wxa/getwxacode', fromAppid: SHARED },
      { envId: 'comp-env', path: '/sns/component/jscode2session' },
      { envId: 'comp-shared', path: '/wxa/getwxacode', fromAppid: OTHER_AUTHORIZER },
      { envId: 'comp-env', path: '/wxa/commit' },
    ];
    const n = 400_000;
    const started = process.hrtime.bigint();
    let allowed = 0;
    for (let i = 0; i < n; i++) if (decidePolicy(m, inputs[i & 3]!).allowed) allowed++;
    const perSecond = n / (Number(process.hrtime.bigint() - started) / 1e9);
    expect(allowed).toBe(n * 0.75);
    expect(perSecond).toBeGreaterThan(100_000);
    process.stdout.write(`decidePolicy: ${Math.round(perSecond).toLocaleString('en')} checks/s\n`);
  });
});
