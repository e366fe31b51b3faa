import { runToExit } from './support/harness.js';

describe("token-refresher's own variables are validated before anything connects", () => {
  // NATS_URL points nowhere: a process that got past validation would hang connecting, not exit.
  const unreachable = { NATS_URL: 'nats://127.0.0.1:1' };
  it.each([
    ['REFRESH_MAX_PER_S', '0'],
    ['REFRESH_LEASE_TTL_MS', 'soon'],
    ['REFRESH_BACKOFF_MAX_S', '-5'],
    ['REFRESH_SCAN_INTERVAL_S', '1.5'],
    ['INVALIDATE_MIN_INTERVAL_S', 'x'],
  ])('exits non-zero within 5 s with one line naming %s', async (variable, value) => {
    const { code, ms, output } = await runToExit('token-refresher', { ...unreachable, [variable]: value }, 8_000);
    expect(code).not.toBe(0);
    expect(ms).toBeLessThan(5_000);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(variable);
  });
});
