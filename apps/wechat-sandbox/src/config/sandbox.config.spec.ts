import { ConfigError, loadConfig, quotaEnvName } from './sandbox.config.js';

describe('loadConfig', () => {
  it('defaults to port 9100 on 127.0.0.1 with no knob overrides and no seed', () => {
    expect(loadConfig({})).toEqual({ port: 9100, host: '127.0.0.1', knobs: {}, seed: {} });
  });

  it('reads knobs, quotas and an inline seed from the environment; flags win over env', () => {
    const config = loadConfig(
      {
        SANDBOX_PORT: '9200',
        SANDBOX_TOKEN_TTL_S: '2',
        SANDBOX_OVERLAP_S: '1',
        SANDBOX_TICKET_INTERVAL_S: '0.5',
        SANDBOX_CALL_LOG: 'off',
        SANDBOX_QUOTAS: '{"/wxa/commit": 3, "/cgi-bin/token": null}',
        SANDBOX_QUOTA_API_COMPONENT_TOKEN: '5',
        SANDBOX_SEED: '{"apps":[{"appid":"wx1","secret":"s"}]}',
      },
      ['--port', '0', '--host', '0.0.0.0'],
    );
    expect(config).toEqual({
      port: 0,
      host: '0.0.0.0',
      knobs: {
        tokenTtlS: 2,
        overlapS: 1,
        ticketIntervalS: 0.5,
        callLog: false,
        quotas: { '/wxa/commit': 3, '/cgi-bin/token': null, '/cgi-bin/component/api_component_token': 5 },
      },
      seed: { apps: [{ appid: 'wx1', secret: 's' }] },
    });
  });

  it('names the variable of a bad value', () => {
    expect(() => loadConfig({ SANDBOX_PORT: 'x' })).toThrow(/^SANDBOX_PORT /);
    expect(() => loadConfig({}, ['--port', '70000'])).toThrow(/^--port /);
    expect(() => loadConfig({ SANDBOX_OVERLAP_S: '-1' })).toThrow(/^SANDBOX_OVERLAP_S /);
    expect(() => loadConfig({ SANDBOX_CALL_LOG: 'maybe' })).toThrow(/^SANDBOX_CALL_LOG /);
    expect(() => loadConfig({ SANDBOX_SEED: '{"apps":[{"appid":"wx1"}]}' })).toThrow(/^SANDBOX_SEED: apps.0.secret/);
    expect(() => loadConfig({ SANDBOX_SEED: '/no/such/file.json' })).toThrow(ConfigError);
    expect(() => loadConfig({ SANDBOX_QUOTAS: '{"/p": -1}' })).toThrow(/^SANDBOX_QUOTAS/);
  });

  it('names quota variables after the last path segment', () => {
    expect(quotaEnvName('/cgi-bin/token')).toBe('SANDBOX_QUOTA_TOKEN');
    expect(quotaEnvName('/cgi-bin/stable_token#force_refresh')).toBe('SANDBOX_QUOTA_STABLE_TOKEN_FORCE_REFRESH');
  });
});
