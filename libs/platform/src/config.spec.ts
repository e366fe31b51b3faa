import { z } from 'zod';
import { ConfigError, parseConfig, port } from './config.js';

const schema = z.object({ APP_PORT: port(80), APP_NAME: z.string().default('x'), DB_PASSWORD: z.string().min(8, 'is too short').optional() });

describe('parseConfig', () => {
  it('reads the environment; empty means unset unless kept', () => {
    expect(parseConfig(schema, { env: { APP_PORT: '81', APP_NAME: '' } })).toEqual({ APP_PORT: 81, APP_NAME: 'x' });
    expect(parseConfig(schema, { env: { APP_NAME: '' }, keepEmpty: ['APP_NAME'] })).toEqual({ APP_PORT: 80, APP_NAME: '' });
  });

  it('lets flags override their variables, in both spellings', () => {
    const flags = { port: 'APP_PORT', name: 'APP_NAME' };
    expect(parseConfig(schema, { env: { APP_PORT: '81' }, argv: ['--port', '82', '--name=y'], flags })).toEqual({ APP_PORT: 82, APP_NAME: 'y' });
  });

  it('names the variable, or the flag that gave the value, and never echoes a secret', () => {
    const fail = (source: Parameters<typeof parseConfig>[1]) => {
      try {
        parseConfig(schema, source);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('no ConfigError');
    };
    expect(fail({ env: { APP_PORT: 'x' } })).toMatchObject({ variable: 'APP_PORT', message: 'APP_PORT must be a port number (got "x")' });
    expect(fail({ env: {}, argv: ['--port', '70000'], flags: { port: 'APP_PORT' } })).toMatchObject({ variable: '--port', message: '--port must be a port number (got "70000")' });
    expect(fail({ env: { DB_PASSWORD: 'short' } }).message).toBe('DB_PASSWORD is too short');
    expect(fail({ env: {}, argv: ['extra'], flags: { port: 'APP_PORT' } }).message).toBe('extra: unknown argument (flags: --port)');
  });
});
