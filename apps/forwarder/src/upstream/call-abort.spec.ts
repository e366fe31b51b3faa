import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { CallAbort } from './call-abort.js';

describe('CallAbort', () => {
  it('fires each listener once, forgets removed ones and ignores a second abort', () => {
    const abort = new CallAbort();
    const fired: string[] = [];
    const a = () => fired.push('a');
    abort.once('abort', a);
    abort.on('abort', () => fired.push('b'));
    abort.removeListener('abort', a);
    abort.abort(new Error('why'));
    abort.abort();
    expect(fired).toEqual(['b']);
    expect(abort.aborted).toBe(true);
    expect(abort.reason?.message).toBe('why');
  });

  it('aborts an undici request waiting for its answer', async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const abort = new CallAbort();
    const pending = pool.request({ method: 'GET', path: '/', signal: abort as unknown as EventEmitter });
    setTimeout(() => abort.abort(new Error('gone')), 20);
    await expect(pending).rejects.toThrow('gone');
    await pool.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
});
