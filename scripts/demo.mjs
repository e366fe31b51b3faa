// `npm run demo` (SPEC §6): a private NATS, the WeChat sandbox, the three services with SQLite
// under ./data/demo, a seeded component + authorized mini program + environment, and curl lines
// that work as printed. Ctrl-C, SIGTERM, SIGHUP or its parent (npm) going away stops everything.
//
// DEMO_DATA_DIR (default ./data/demo) and DEMO_PORT_BASE (default: the SPEC's ports) let tests
// and a second demo run beside the first. The demo's databases and NATS store are reset at each
// start (the sandbox WeChat forgets everything when it stops); the CA certificate and master key
// are kept. `npm start`'s ./data/*.sqlite are never touched.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { freePort } from './nats-server.mjs';
import { portFree, ROOT, stopWhenAsked, Supervisor } from './supervisor.mjs';

const COMPONENT = 'wxc0ffee0000000001';
const MINI_PROGRAM = 'wxa11ce00000000002';
const ENV_ID = 'demo';
const ALLOWLIST = ['/wxa/getwxacode', '/wxa/msg_sec_check', '/wxa/gettemplatedraftlist'];
const TICKET_INTERVAL_S = 5;
/** A demo WeChat Pay merchant; its key pair is made at each start and only wxgate holds the private half. */
const MCHID = '1900000109';
const MERCHANT_SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
const PAY_ALLOWLIST = ['/v3/pay/transactions/jsapi', '/v3/pay/transactions/out-trade-no/{out_trade_no}', '/v3/refund/domestic/refunds'];

const dataDirArg = process.env.DEMO_DATA_DIR || 'data/demo';
const dataDir = path.resolve(ROOT, dataDirArg);
/** How the curl lines name the CA file: relative to the repo root when inside it. */
const shownDataDir = path.relative(ROOT, dataDir).startsWith('..') ? dataDir : path.relative(ROOT, dataDir) || '.';

function fail(message) {
  process.stderr.write(`demo: ${message}\n`);
  process.exitCode = 1;
}

async function choosePorts() {
  const base = process.env.DEMO_PORT_BASE;
  if (base !== undefined && base !== '') {
    const b = Number(base);
    if (!Number.isInteger(b) || b < 1024 || b > 65_525) throw new Error(`DEMO_PORT_BASE must be a port number between 1024 and 65525, got ${JSON.stringify(base)}`);
    return { http: b, tls: b + 1, callback: b + 2, forwarderAdmin: b + 3, policyAdmin: b + 4, refresherAdmin: b + 5, sandbox: b + 6, nats: b + 7, console: b + 8, consoleAdmin: b + 9 };
  }
  // The SPEC's defaults; a private NATS on 4222 when free (so `npx wxgate` needs no flag), else any port.
  const nats = (await portFree(4222)) ? 4222 : await freePort();
  return { http: 8080, tls: 8443, callback: 8081, forwarderAdmin: 9090, policyAdmin: 9091, refresherAdmin: 9092, sandbox: 9100, nats, console: 8090, consoleAdmin: 9093 };
}

const PORT_NAMES = {
  http: 'forwarder HTTP',
  tls: 'forwarder HTTPS',
  callback: 'token-refresher callback',
  forwarderAdmin: 'forwarder admin',
  policyAdmin: 'policy admin',
  refresherAdmin: 'token-refresher admin',
  sandbox: 'WeChat sandbox',
  nats: 'NATS',
  console: 'console',
  consoleAdmin: 'console admin',
};

/** A plain-JSON NATS request; an `{"error":…}` reply is thrown with its reason. */
async function request(nc, subject, payload = {}, timeout = 5000) {
  const reply = await nc.request(subject, JSON.stringify(payload), { timeout });
  const body = reply.json();
  if (body && typeof body === 'object' && 'error' in body) throw new Error(`${subject}: ${body.error.reason}: ${body.error.message}`);
  return body;
}

async function sandboxAdmin(base, route, body) {
  const res = await fetch(`${base}/__sandbox/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`sandbox ${route}: ${res.status} ${json.error ?? ''}`);
  return json;
}

/** Ends a wait at once (a process died) instead of retrying until the deadline. */
class Fatal extends Error {}

let supervisor;
let consolePassword;

async function until(what, probe, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    const dead = supervisor.exited();
    if (dead) throw new Fatal(`${dead.name} exited (${dead.code}) while waiting for ${what}:\n${supervisor.tail(dead.name)}`);
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      if (err instanceof Fatal) throw err;
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function curlLines(ports) {
  const http = `http://127.0.0.1:${ports.http}`;
  const cacert = `${shownDataDir}/cert/certificate.crt`;
  const body = `-H 'content-type: application/json' -d '{"content":"hello from the wxgate demo","version":2,"scene":1,"openid":"oDemoOpenid"}'`;
  const status = `-w '\\nHTTP %{http_code}\\n'`;
  return [
    ['a plain call: no token in the request, the component token is injected (tokenOwner in the echo)', `curl -s ${status} '${http}/wxa/gettemplatedraftlist'`],
    ['on behalf of the authorized mini program (from_appid): its authorizer token is injected', `curl -s ${status} -X POST '${http}/wxa/msg_sec_check?from_appid=${MINI_PROGRAM}' ${body}`],
    ['binary answers are relayed byte for byte (a mini program code image)', `curl -s -o /dev/null -w 'HTTP %{http_code} %{content_type} %{size_download} bytes\\n' -X POST '${http}/wxa/getwxacode?from_appid=${MINI_PROGRAM}' -d '{"path":"pages/index"}'`],
    ['a path that is not on the allowlist is refused, with the reason', `curl -s ${status} -X POST '${http}/wxa/commit?from_appid=${MINI_PROGRAM}' -d '{}'`],
    ['HTTPS by name, trusting wxgate\'s CA (api.weixin.qq.com resolved to the forwarder)', `curl -s ${status} --cacert ${cacert} --resolve api.weixin.qq.com:${ports.tls}:127.0.0.1 -X POST 'https://api.weixin.qq.com:${ports.tls}/wxa/msg_sec_check?from_appid=${MINI_PROGRAM}' ${body}`],
    ['as an HTTP proxy (HTTP_PROXY=http://forwarder:8080 in an existing client)', `curl -s ${status} -x ${http} 'http://api.weixin.qq.com/wxa/gettemplatedraftlist'`],
    ['as an HTTPS proxy (HTTPS_PROXY): CONNECT is answered by wxgate\'s own TLS', `curl -s ${status} -x ${http} --cacert ${cacert} -X POST 'https://api.weixin.qq.com/wxa/msg_sec_check?from_appid=${MINI_PROGRAM}' ${body}`],
    ['WeChat Pay without a key in the caller: a JSAPI order, signed by wxgate, its answer verified', `curl -s ${status} -X POST '${http}/v3/pay/transactions/jsapi' -H 'content-type: application/json' -d '${JSON.stringify(jsapiOrder('DEMO-CURL-1', ports))}'`],
  ];
}

function jsapiOrder(outTradeNo, ports) {
  return {
    appid: MINI_PROGRAM,
    mchid: MCHID,
    description: 'wxgate demo',
    out_trade_no: outTradeNo,
    notify_url: `http://127.0.0.1:${ports.callback}/wechatpay/notify/${MCHID}`,
    amount: { total: 1, currency: 'CNY' },
    payer: { openid: 'oDemoOpenid' },
  };
}

async function main() {
  for (const app of ['wechat-sandbox', 'token-refresher', 'policy', 'forwarder', 'console']) {
    if (!existsSync(path.join(ROOT, 'dist/apps', app, 'main.js'))) throw new Error(`dist/apps/${app}/main.js is missing: run npm run build (npm run demo does)`);
  }
  const ports = await choosePorts();
  for (const [name, port] of Object.entries(ports)) {
    if (!(await portFree(port))) throw new Error(`port ${port} (${PORT_NAMES[name]}) is in use: stop what uses it, or set DEMO_PORT_BASE (e.g. DEMO_PORT_BASE=18000)`);
  }

  for (const stale of ['token-refresher.sqlite', 'policy.sqlite', 'nats']) {
    for (const suffix of stale === 'nats' ? [''] : ['', '-wal', '-shm', '-journal']) rmSync(path.join(dataDir, stale + suffix), { recursive: true, force: true });
  }
  supervisor = new Supervisor({ logDir: path.join(dataDir, 'logs') });
  let stopping = false;
  const stop = async (why) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${why}: stopping the demo…\n`);
    await supervisor.stopAll();
    process.stdout.write('demo stopped\n');
    process.exit(process.exitCode ?? 0);
  };
  stopWhenAsked(stop);

  try {
    await run(ports);
  } catch (err) {
    fail(err.message);
    await stop('start failed');
    return;
  }
  const crashed = await supervisor.firstExit();
  if (!stopping) {
    fail(`${crashed.name} exited (${crashed.code}); see ${path.join(shownDataDir, 'logs', `${crashed.name}.log`)}`);
    await stop('a process exited');
  }
}

async function run(ports) {
  process.stdout.write(`starting the wxgate demo (data ${shownDataDir}, logs ${shownDataDir}/logs)…\n`);
  const natsUrl = await supervisor.startNats(ports.nats, path.join(dataDir, 'nats'));
  const sandboxUrl = `http://127.0.0.1:${ports.sandbox}`;

  supervisor.startApp('wechat-sandbox', {
    ...process.env,
    SANDBOX_PORT: String(ports.sandbox),
    SANDBOX_HOST: '127.0.0.1',
    SANDBOX_TICKET_INTERVAL_S: String(TICKET_INTERVAL_S),
  });
  await until('the WeChat sandbox', async () => {
    return (await fetch(`${sandboxUrl}/__sandbox/state`).catch(() => undefined))?.ok;
  });

  // The console's sign-in password: CONSOLE_PASSWORD when set, else a new one per demo run (printed).
  consolePassword = process.env.CONSOLE_PASSWORD || randomBytes(9).toString('base64url');
  const common = {
    ...process.env,
    NATS_URL: natsUrl,
    WECHAT_API_BASE: sandboxUrl,
    WECHAT_API_BACKUP: '',
    WECHATPAY_API_BASE: sandboxUrl,
    WECHATPAY_API_BACKUP: '',
    LOG_LEVEL: process.env.LOG_LEVEL || 'info',
  };
  delete common.NATS_USER;
  delete common.NATS_PASS;
  delete common.NATS_TOKEN;
  delete common.NATS_CREDS;
  const apps = [
    ['token-refresher', ports.refresherAdmin, { DATABASE_URL: `sqlite:${path.join(dataDir, 'token-refresher.sqlite')}`, WXGATE_MASTER_KEY_FILE: path.join(dataDir, 'master.key'), CALLBACK_PORT: String(ports.callback) }],
    ['policy', ports.policyAdmin, { DATABASE_URL: `sqlite:${path.join(dataDir, 'policy.sqlite')}` }],
    ['forwarder', ports.forwarderAdmin, { ENV_ID, PORT: String(ports.http), TLS_PORT: String(ports.tls), CERT_DIR: path.join(dataDir, 'cert') }],
    ['console', ports.consoleAdmin, { CONSOLE_PORT: String(ports.console), CONSOLE_PASSWORD: consolePassword }],
  ];
  // The forwarder stops first (tier 3) while the services it asks are still up.
  const started = apps.map(([app, adminPort, env]) => [supervisor.startApp(app, { ...common, ...env, ADMIN_PORT: String(adminPort) }, app === 'forwarder' ? 3 : 2), adminPort]);
  await Promise.all(started.map(([entry, adminPort]) => supervisor.waitReady(entry, adminPort)));

  // Seed: the component in wxgate and in the sandbox WeChat (which then pushes tickets to the
  // refresher's callback), a mini program authorizing it, and an environment it owns.
  const component = { appid: COMPONENT, secret: randomBytes(16).toString('hex'), token: randomBytes(12).toString('hex'), encodingAesKey: randomBytes(32).toString('base64').slice(0, 43).replace(/[+/]/g, 'A') };
  const nc = await connect({ servers: natsUrl, name: 'wxgate-demo' });
  try {
    await request(nc, 'wxgate.admin.component.put', { componentAppid: component.appid, componentAppsecret: component.secret, token: component.token, encodingAesKey: component.encodingAesKey });
    await sandboxAdmin(sandboxUrl, 'components', { ...component, callbackUrl: `http://127.0.0.1:${ports.callback}/wechat/callback`, ticketIntervalS: TICKET_INTERVAL_S });
    await until('the component token (first ticket pushed and used)', () => request(nc, `wxgate.token.get.component.${COMPONENT}`));

    const authorized = await sandboxAdmin(sandboxUrl, 'authorizations/authorize', { componentAppid: COMPONENT, authorizerAppid: MINI_PROGRAM, funcScopes: [17, 18, 19] });
    if (!authorized.delivery?.acknowledged) throw new Error(`the authorization event was not acknowledged by the callback: ${authorized.delivery?.lastReply ?? 'no reply'}`);
    await until('the mini program token (query_auth after the authorization event)', () => request(nc, `wxgate.token.get.authorizer.${MINI_PROGRAM}`));

    await request(nc, 'wxgate.admin.env.put', { envId: ENV_ID, ownerAppid: COMPONENT, ownerKind: 'component' });
    await request(nc, 'wxgate.admin.allowlist.add', { envId: ENV_ID, paths: ALLOWLIST });
    await until('the policy to learn the authorization', async () => (await request(nc, 'wxgate.policy.check', { envId: ENV_ID, path: '/wxa/msg_sec_check', fromAppid: MINI_PROGRAM })).allowed);

    // WeChat Pay: the merchant in the sandbox (its public key) and in wxgate (its private key), bound to the environment.
    const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const apiV3Key = randomBytes(16).toString('hex');
    const registered = await sandboxAdmin(sandboxUrl, 'pay/merchants', { mchid: MCHID, serialNo: MERCHANT_SERIAL, publicKey: merchant.publicKey.export({ type: 'spki', format: 'pem' }), apiV3Key });
    await request(nc, 'wxgate.admin.merchant.put', {
      mchid: MCHID,
      serialNo: MERCHANT_SERIAL,
      privateKey: merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      apiV3Key,
      publicKeyId: registered.publicKeyId,
      publicKey: registered.publicKey,
    });
    await request(nc, 'wxgate.admin.allowlist.add', { envId: ENV_ID, paths: PAY_ALLOWLIST });
    await request(nc, 'wxgate.admin.merchant.bind', { envId: ENV_ID, mchid: MCHID });
    await until('the policy to learn the merchant', async () => (await request(nc, 'wxgate.policy.check', { envId: ENV_ID, path: PAY_ALLOWLIST[0], api: 'pay' })).allowed);
  } finally {
    await nc.close();
  }

  // One call through the relay before printing, so the printed lines are known to work.
  await until('a first relayed call', async () => {
    const res = await fetch(`http://127.0.0.1:${ports.http}/wxa/gettemplatedraftlist`);
    return res.status === 200 && (await res.json()).errcode === 0;
  });

  const pay = await payWalkthrough(ports, natsUrl, sandboxUrl);

  const out = [
    '',
    'wxgate demo is ready',
    `  component     ${COMPONENT} (a third-party platform; the sandbox pushes a ticket every ${TICKET_INTERVAL_S} s)`,
    `  mini program  ${MINI_PROGRAM} (authorized the component)`,
    `  environment   ${ENV_ID}, owned by the component; allowlist ${ALLOWLIST.join(' ')}`,
    `  forwarder     http://127.0.0.1:${ports.http}  https://127.0.0.1:${ports.tls}`,
    `  WeChat        the sandbox at ${sandboxUrl} (it echoes what it received, tokenOwner = whose token wxgate injected)`,
    `  console       http://127.0.0.1:${ports.console}/  password ${consolePassword}`,
    `  WeChat Pay    merchant ${MCHID} bound to ${ENV_ID}; the sandbox plays api.mch.weixin.qq.com`,
    '',
    'A JSAPI order placed through the relay (no key in the caller):',
    `  POST /v3/pay/transactions/jsapi → ${JSON.stringify(pay.created)}`,
    `  wx.requestPayment(${JSON.stringify(pay.payment)})   (from wxgate.pay.jsapi.${MCHID})`,
    `  the sandbox paid it; the notification arrived on ${pay.subject}:`,
    `  ${JSON.stringify(pay.event)}`,
    '',
    'Try (from the repository root):',
  ];
  for (const [comment, line] of curlLines(ports)) out.push(`# ${comment}`, line);
  out.push(
    '',
    'Admin CLI against this demo:',
    `  NATS_URL=${natsUrl} npx wxgate status`,
    `  NATS_URL=${natsUrl} npx wxgate env show ${ENV_ID}`,
    '',
    `pids: ${Object.entries(supervisor.pids).map(([name, pid]) => `${name}=${pid}`).join(' ')}`,
    'Ctrl-C stops everything.',
    '',
  );
  process.stdout.write(out.join('\n'));
}

/** Places a JSAPI order through the forwarder, asks wxgate for its wx.requestPayment parameters, pays it in the sandbox and reads the notification from JetStream. */
async function payWalkthrough(ports, natsUrl, sandboxUrl) {
  const res = await fetch(`http://127.0.0.1:${ports.http}/v3/pay/transactions/jsapi`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(jsapiOrder('DEMO-ORDER-1', ports)) });
  const created = await res.json();
  if (res.status !== 200) throw new Error(`the demo JSAPI order failed: HTTP ${res.status} ${JSON.stringify(created)}`);
  const nc = await connect({ servers: natsUrl, name: 'wxgate-demo' });
  try {
    const payment = await request(nc, `wxgate.pay.jsapi.${MCHID}`, { appid: MINI_PROGRAM, prepayId: created.prepay_id });
    const paid = await sandboxAdmin(sandboxUrl, 'pay/transactions/pay', { mchid: MCHID, outTradeNo: 'DEMO-ORDER-1' });
    const subject = `wxgate.events.pay.${MCHID}.TRANSACTION.SUCCESS`;
    const jsm = await jetstreamManager(nc);
    const event = await until('the payment notification on JetStream', async () => {
      const msg = await jsm.streams.getMessage('WXGATE_EVENTS', { last_by_subj: subject }).catch(() => null);
      return msg && msg.json().id === paid.notificationId ? msg.json() : undefined;
    });
    return { created, payment, subject, event };
  } finally {
    await nc.close();
  }
}

await main();
