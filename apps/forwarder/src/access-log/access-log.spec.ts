import { jest } from '@jest/globals';
import type { ForwarderConfig } from '../config.js';
import { AccessLog, type CallRecord } from './access-log.js';

function call(over: Partial<CallRecord>): CallRecord {
  return { seqid: '0123456789abcdef', via: 'http', method: 'GET', path: '/wxa/getwxadevinfo', status: 200, ...over };
}

describe('AccessLog', () => {
  it('writes one JSON line per call, each field its own call’s even when consecutive calls differ', () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const log = new AccessLog({ LOG_LEVEL: 'info', ENV_ID: 'env-1' } as ForwarderConfig);
    try {
      const calls = [
        call({ path: '/a', fromAppid: 'wx0000000000000001' }),
        call({ path: '/a', fromAppid: 'wx0000000000000001' }),
        call({ path: '/b"\\quoted', fromAppid: 'wx0000000000000002', method: 'POST', caller: 'svc-a' }),
        call({ path: '/a', fromAppid: undefined, caller: 'svc-b', reason: 'PATH_NOT_ALLOWED', status: 403 }),
        call({ path: '/a', fromAppid: 'wx0000000000000001', caller: 'svc-a' }),
      ];
      for (const c of calls) log.write(c, 1.25);
      log.onApplicationShutdown();
      const lines = written.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.map((l) => [l.method, l.path, l.fromAppid, l.caller, l.status])).toEqual(calls.map((c) => [c.method, c.path, c.fromAppid, c.caller, c.status]));
      expect(lines[3]).toMatchObject({ reason: 'PATH_NOT_ALLOWED', env: 'env-1', context: 'access', msg: 'call', ms: 1.3 });
    } finally {
      spy.mockRestore();
    }
  });
});
