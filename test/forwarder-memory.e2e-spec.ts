/**
 * Memory stays bounded whatever the body size: 20 concurrent 30 MiB uploads are streamed through
 * the forwarder (never buffered), byte for byte, with its resident set under 300 MiB.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { call } from './support/forwarder-client.js';
import type { AppProcess } from './support/harness.js';
import { putEnv, startWxgateSystem, SYSTEM, type WxgateSystem } from './support/wxgate-system.js';

const UPLOADS = 20;
const UPLOAD_BYTES = 30 * 1024 * 1024;
const CHUNK = Buffer.alloc(1024 * 1024, 'wxgate-upload-');
const RSS_LIMIT = 300 * 1024 * 1024;

let system: WxgateSystem;
let forwarder: { proc: AppProcess; base: string };

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(kb?.[1] ?? 0) * 1024;
}

beforeAll(async () => {
  system = await startWxgateSystem();
  await putEnv(system, { envId: 'memory', ownerAppid: SYSTEM.app.appid, ownerKind: 'app', paths: ['/cgi-bin/media/upload'] });
  forwarder = await system.startForwarder({ ENV_ID: 'memory' });
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

it(`streams ${UPLOADS} concurrent 30 MiB uploads byte for byte with the forwarder's RSS under 300 MiB`, async () => {
  const hash = createHash('sha256');
  for (let i = 0; i < UPLOAD_BYTES / CHUNK.length; i++) hash.update(CHUNK);
  const sha256 = hash.digest('hex');
  async function* upload() {
    for (let i = 0; i < UPLOAD_BYTES / CHUNK.length; i++) yield CHUNK;
  }
  const pid = forwarder.proc.child.pid!;
  const idle = rssBytes(pid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 20);
  const started = Date.now();
  try {
    const answers = await Promise.all(
      Array.from({ length: UPLOADS }, () =>
        call(`${forwarder.base}/cgi-bin/media/upload?type=video`, {
          body: upload(),
          headers: { 'content-type': 'multipart/form-data; boundary=m', 'content-length': String(UPLOAD_BYTES) },
        }),
      ),
    );
    for (const answer of answers) expect(answer.json()).toMatchObject({ errcode: 0, echo: { bodyLength: UPLOAD_BYTES, bodySha256: sha256 } });
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, rssBytes(pid));
  const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
  process.stdout.write(`forwarder RSS: idle ${mib(idle)} MiB, peak ${mib(peak)} MiB during ${UPLOADS}×30 MiB uploads (${Date.now() - started} ms)\n`);
  expect(peak).toBeLessThan(RSS_LIMIT);
}, 60_000);
