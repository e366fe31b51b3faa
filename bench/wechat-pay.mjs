// WeChat Pay numbers (one run, see docs/wechat-pay.md): signed calls per second through the relay
// (forwarder → pay.sign over NATS → sandbox → answer verified) against the same call signed and
// verified in-process by a minimal Node client, and notification receive-to-ack latency on the
// token-refresher's callback port (verify, decrypt, JetStream publish, 204).
// Run after `npm run build`: node bench/wechat-pay.mjs [seconds]
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { Pool } from 'undici';
import { freePort, startNatsServer, waitForPort } from '../scripts/nats-server.mjs';
import { httpLoad, percentile } from './lib/load.mjs';
import { readyz, ROOT, startProcess, waitFor } from './lib/processes.mjs';
import {
  buildAuthorization,
  encryptResource,
  parsePublicKey,
  signAnswer,
  signatureHeadersFrom,
  verifyAnswerSignature,
} from '../dist/libs/wechatpay/src/index.js';

const SECONDS = Number(process.argv[2] ?? 10);
const CONNECTIONS = 32;
const MCHID = '1900009191';
const NOTIFY_MCHID = '1900009192';
const SERIAL = '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C';
const API_V3_KEY = 'benchApiV3Key_0123456789abcdefgh';
const log = (s) => process.stdout.write(`${s}\n`);

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wxgate-paybench-'));
const dirs = (name) => mkdtempSync(path.join(tmp, `${name}-`));
const procs = [];
const nats = await startNatsServer({ storeDir: dirs('nats') });
try {
  const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKey = merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const ports = { sandbox: await freePort(), http: await freePort(), tls: await freePort(), callback: await freePort() };
  const sandboxUrl = `http://127.0.0.1:${ports.sandbox}`;
  const start = (name, env) => {
    const p = startProcess(name, path.join(ROOT, `dist/apps/${name}/main.js`), env, { cwd: dirs(name), logDir: tmp });
    procs.push(p);
    return p;
  };
  start('wechat-sandbox', { SANDBOX_PORT: String(ports.sandbox), SANDBOX_CALL_LOG: 'off' });
  await waitForPort(ports.sandbox);
  const admin = { refresher: await freePort(), policy: await freePort(), forwarder: await freePort() };
  const refresher = start('token-refresher', { NATS_URL: nats.url, WECHAT_API_BASE: sandboxUrl, WECHAT_API_BACKUP: '', WECHATPAY_API_BASE: sandboxUrl, WECHATPAY_API_BACKUP: '', CALLBACK_PORT: String(ports.callback), ADMIN_PORT: String(admin.refresher), LOG_LEVEL: 'warn' });
  const policy = start('policy', { NATS_URL: nats.url, ADMIN_PORT: String(admin.policy), LOG_LEVEL: 'warn' });
  await waitFor('refresher', () => readyz(admin.refresher), { proc: refresher });
  await waitFor('policy', () => readyz(admin.policy), { proc: policy });

  const nc = await connect({ servers: nats.url });
  const req = async (subject, body) => (await nc.request(subject, JSON.stringify(body), { timeout: 10_000 })).json();
  const ok = async (subject, body) => {
    const reply = await req(subject, body);
    if (!reply.ok) throw new Error(`${subject}: ${JSON.stringify(reply)}`);
  };
  const reg = await fetch(`${sandboxUrl}/__sandbox/pay/merchants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mchid: MCHID, serialNo: SERIAL, publicKey: merchant.publicKey.export({ type: 'spki', format: 'pem' }), apiV3Key: API_V3_KEY }),
  }).then((r) => r.json());
  await ok('wxgate.admin.merchant.put', { mchid: MCHID, serialNo: SERIAL, privateKey, apiV3Key: API_V3_KEY, publicKeyId: reg.publicKeyId, publicKey: reg.publicKey });
  // The notification merchant's "WeChat Pay key" is one the bench holds, so the bench can sign notifications.
  const notifier = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const notifierId = 'PUB_KEY_ID_0119000091922026';
  await ok('wxgate.admin.merchant.put', { mchid: NOTIFY_MCHID, serialNo: SERIAL, privateKey, apiV3Key: API_V3_KEY, publicKeyId: notifierId, publicKey: notifier.publicKey.export({ type: 'spki', format: 'pem' }) });
  await ok('wxgate.admin.env.put', { envId: 'bench', ownerAppid: 'wxbenchapp000001', ownerKind: 'app' });
  await ok('wxgate.admin.allowlist.add', { envId: 'bench', paths: ['/v3/pay/transactions/jsapi', '/v3/pay/transactions/out-trade-no/{out_trade_no}'] });
  await ok('wxgate.admin.merchant.bind', { envId: 'bench', mchid: MCHID });
  const forwarder = start('forwarder', { NATS_URL: nats.url, ENV_ID: 'bench', WECHAT_API_BASE: sandboxUrl, WECHAT_API_BACKUP: '', WECHATPAY_API_BASE: sandboxUrl, WECHATPAY_API_BACKUP: '', PORT: String(ports.http), TLS_PORT: String(ports.tls), ADMIN_PORT: String(admin.forwarder), LOG_LEVEL: 'warn' });
  await waitFor('forwarder', () => readyz(admin.forwarder), { proc: forwarder });

  const orderBody = JSON.stringify({ appid: 'wxd678efh567hg6787', mchid: MCHID, description: 'bench', out_trade_no: 'T-bench-1', notify_url: 'https://example.com/n', amount: { total: 1 }, payer: { openid: 'o' } });
  const created = await fetch(`http://127.0.0.1:${ports.http}/v3/pay/transactions/jsapi`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: orderBody });
  if (created.status !== 200) throw new Error(`order through the relay: HTTP ${created.status} ${await created.text()}`);
  const queryUrl = `/v3/pay/transactions/out-trade-no/T-bench-1?mchid=${MCHID}`;

  log(`relay: GET ${queryUrl} through the forwarder, ${CONNECTIONS} connections, ${SECONDS} s`);
  const relay = await httpLoad({ url: `http://127.0.0.1:${ports.http}${queryUrl}`, connections: CONNECTIONS, seconds: SECONDS });
  const relayRate = relay.samples.length / relay.seconds;

  log(`direct: the same call signed and verified in-process by a minimal Node client, ${CONNECTIONS} in flight, ${SECONDS} s`);
  const signer = { mchid: MCHID, serialNo: SERIAL, privateKey: merchant.privateKey };
  const platformKey = parsePublicKey(reg.publicKey);
  const pool = new Pool(sandboxUrl, { connections: CONNECTIONS });
  let direct = 0;
  let directErrors = 0;
  const endAt = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < endAt) {
        const res = await pool.request({ method: 'GET', path: queryUrl, headers: { authorization: buildAuthorization(signer, { method: 'GET', url: queryUrl, body: '' }) } });
        const body = Buffer.from(await res.body.arrayBuffer());
        const verdict = verifyAnswerSignature(signatureHeadersFrom(res.headers), body, (id) => (id === reg.publicKeyId ? platformKey : undefined));
        if (res.statusCode === 200 && verdict.ok) direct++;
        else directErrors++;
      }
    }),
  );
  const directRate = direct / ((performance.now() - t0) / 1000);
  await pool.close();

  log('notifications: signed, encrypted notifications posted one at a time to /wechatpay/notify/<mchid>');
  const latencies = [];
  for (let i = 0; i < 500; i++) {
    const body = JSON.stringify({
      id: `EV-bench-${i}-${Date.now()}`,
      create_time: '2026-12-03T20:00:00+08:00',
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: encryptResource(API_V3_KEY, JSON.stringify({ out_trade_no: `T-${i}`, trade_state: 'SUCCESS' }), { associatedData: 'transaction', originalType: 'transaction' }),
    });
    const headers = { ...signAnswer(notifier.privateKey, notifierId, body), 'content-type': 'application/json' };
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${ports.callback}/wechatpay/notify/${NOTIFY_MCHID}`, { method: 'POST', headers, body });
    await res.arrayBuffer();
    if (res.status !== 204) throw new Error(`notification answered ${res.status}`);
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  await nc.close();

  const results = {
    relayCallsPerS: Math.round(relayRate),
    relayNon2xx: relay.non2xx,
    relayErrors: relay.errors,
    directCallsPerS: Math.round(directRate),
    directErrors,
    ratio: Number((relayRate / directRate).toFixed(2)),
    notifyP50Ms: Number(percentile(latencies, 50).toFixed(2)),
    notifyP99Ms: Number(percentile(latencies, 99).toFixed(2)),
  };
  log(JSON.stringify(results, null, 2));
} finally {
  for (const p of procs.reverse()) await p.stop();
  await nats.stop();
  rmSync(tmp, { recursive: true, force: true });
}
