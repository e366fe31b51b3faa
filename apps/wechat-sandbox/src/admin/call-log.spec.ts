import { ManualClock } from '@wxgate/platform';
import { defaultKnobs } from '../knobs.js';
import { CallLog, maskQuery } from './call-log.js';

describe('CallLog', () => {
  it('masks every credential in the recorded query', () => {
    expect(maskQuery('access_token=abc&appid=wx1&secret=s&component_access_token=t&js_code=c&x')).toBe(
      'access_token=***&appid=wx1&secret=***&component_access_token=***&js_code=***&x',
    );
  });

  it('counts per path and records calls with their errcode', () => {
    const clock = new ManualClock();
    const log = new CallLog(clock, defaultKnobs());
    log.record('POST', '/a', 'access_token=t', 0);
    log.record('POST', '/a', '', 40001);
    log.record('GET', '/b', '', null);
    expect(log.snapshot()).toEqual({
      counts: { '/a': 2, '/b': 1 },
      calls: [
        { method: 'POST', path: '/a', query: 'access_token=***', at: clock.now(), errcode: 0 },
        { method: 'POST', path: '/a', query: '', at: clock.now(), errcode: 40001 },
        { method: 'GET', path: '/b', query: '', at: clock.now(), errcode: null },
      ],
    });
    log.clear();
    expect(log.snapshot()).toEqual({ counts: {}, calls: [] });
  });

  it('keeps only counts when the log is off, and only the newest calls when on', () => {
    const knobs = { ...defaultKnobs(), callLog: false, callLogMax: 3 };
    const log = new CallLog(new ManualClock(), knobs);
    log.record('GET', '/a', '', 0);
    expect(log.snapshot()).toEqual({ counts: { '/a': 1 }, calls: [] });
    knobs.callLog = true;
    for (let i = 0; i < 10; i++) log.record('GET', `/p${i}`, '', 0);
    expect(log.snapshot().calls.map((c) => c.path)).toEqual(['/p7', '/p8', '/p9']);
    expect(log.count('/a')).toBe(1);
  });
});
