import { ConfigError, parseConfig } from '@wxgate/platform';
import { SANDBOX_FLAGS, sandboxConfigSchema, quotaEnvName } from './sandbox.config.js';

/** What the sandbox's main does, minus the exit: the platform's loader with the sandbox's flags. */
const loadConfig = (env: NodeJS.ProcessEnv, argv: string[] = []) => parseConfig(sandboxConfigSchema, { env, argv, flags: SANDBOX_FLAGS });

describe('the sandbox configuration', () => {
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
    expect(() => loadConfig({ SANDBOX_TOKEN_TTL_S: '0' })).toThrow(/^SANDBOX_TOKEN_TTL_S must be a number > 0/);
    expect(() => loadConfig({ SANDBOX_PUSH_RETRIES: '1.5' })).toThrow(/^SANDBOX_PUSH_RETRIES must be a whole number >= 0/);
    expect(() => loadConfig({ SANDBOX_QUOTA_TOKEN: 'many' })).toThrow(/^SANDBOX_QUOTA_TOKEN /);
    expect(() => loadConfig({}, ['--nope'])).toThrow(/^--nope: unknown argument/);
    expect(() => loadConfig({}, ['--seed'])).toThrow(/^--seed needs a value/);
  });

  it('says what is wrong with a value, and echoes it only when it is not structured', () => {
    expect(() => loadConfig({ SANDBOX_OVERLAP_S: 'soon' })).toThrow('SANDBOX_OVERLAP_S must be a number >= 0 (got "soon")');
    expect(() => loadConfig({ SANDBOX_CALL_LOG: 'maybe' })).toThrow('SANDBOX_CALL_LOG must be on or off (got "maybe")');
    expect(() => loadConfig({ SANDBOX_SEED: '/no/such/file.json' })).toThrow('SANDBOX_SEED cannot read /no/such/file.json');
    expect(() => loadConfig({ SANDBOX_SEED: '{"apps":[{"appid":"wx1","secret":"s3"}],"nope":1}' })).toThrow('SANDBOX_SEED Unrecognized key: "nope"');
    expect(() => loadConfig({ SANDBOX_SEED: '{"apps":[{"appid":"wx1","secret":"s3"}],"nope":1}' })).not.toThrow(/s3/);
    expect(() => loadConfig({ SANDBOX_QUOTAS: '{"/p": "x"}' })).toThrow('SANDBOX_QUOTAS: /p must be a whole number >= 0 or null');
    expect(() => loadConfig({}, ['--port=70000'])).toThrow('--port must be a port number (got "70000")');
  });

  it('names quota variables after the last path segment', () => {
    expect(quotaEnvName('/cgi-bin/token')).toBe('SANDBOX_QUOTA_TOKEN');
    expect(quotaEnvName('/cgi-bin/stable_token#force_refresh')).toBe('SANDBOX_QUOTA_STABLE_TOKEN_FORCE_REFRESH');
  });
});
