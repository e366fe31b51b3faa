/**
 * The operator console in a real browser (Debian's Chromium via playwright-core) against the whole
 * of wxgate: real NATS, token-refresher, policy and forwarder processes, the sandbox as WeChat.
 */
import { writeFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { aesKeyFrom, buildWechatXml, encryptMessage, msgSignature } from '@wxgate/wechat';
import { ensureChromium, launchBrowser } from './support/browser.js';
import { freePort, runToExit, startApp, waitFor, type AppProcess } from './support/harness.js';
import { aesKey } from './support/refresher-fixtures.js';
import { startWxgateSystem, SYSTEM, type WxgateSystem } from './support/wxgate-system.js';

// At load time, outside any hook's timeout: on a fresh Debian machine (CI, as root) this installs
// the chromium package, which takes minutes.
const CHROMIUM = ensureChromium();
const PASSWORD = 'console-e2e-password';
const ENV_ID = 'console-e2e';
const PATH = '/wxa/msg_sec_check';

let system: WxgateSystem;
let console_: AppProcess;
let consoleUrl: string;
let callbackPort: number;
let forwarder: { base: string };
let browser: { context: BrowserContext; close(): Promise<void> };
let page: Page;

beforeAll(async () => {
  callbackPort = await freePort();
  system = await startWxgateSystem({ refresherEnv: { CALLBACK_PORT: String(callbackPort) } });
  const consolePort = await freePort();
  [forwarder, console_, browser] = await Promise.all([
    system.startForwarder({ ENV_ID }),
    startApp('console', { NATS_URL: system.nats.url, CONSOLE_PASSWORD: PASSWORD, CONSOLE_PORT: String(consolePort), CONSOLE_SAMPLE_INTERVAL_S: '1' }),
    launchBrowser(CHROMIUM),
  ]);
  await console_.waitReady();
  consoleUrl = `http://127.0.0.1:${consolePort}`;
  page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await console_?.stop('SIGTERM').catch(() => undefined);
  await system?.stop();
});

/** A ticket push the way WeChat sends one to the refresher's callback, encrypted with `key`. */
async function pushTicketWithKey(key: string): Promise<number> {
  const { appid, token } = SYSTEM.component;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(Math.floor(Math.random() * 1e9));
  const message = buildWechatXml({ AppId: appid, CreateTime: Math.floor(Date.now() / 1000), InfoType: 'component_verify_ticket', ComponentVerifyTicket: `ticket-${nonce}` });
  const encrypt = encryptMessage(aesKeyFrom(key), appid, message);
  const query = new URLSearchParams({ timestamp, nonce, encrypt_type: 'aes', msg_signature: msgSignature(token, timestamp, nonce, encrypt) });
  const res = await fetch(`http://127.0.0.1:${callbackPort}/wechat/callback?${query}`, { method: 'POST', body: buildWechatXml({ AppId: appid, Encrypt: encrypt }) });
  return res.status;
}

describe('console', () => {
  it('refuses to start without CONSOLE_PASSWORD, with one line naming it', async () => {
    const run = await runToExit('console', { NATS_URL: system.nats.url, CONSOLE_PORT: '0' });
    expect(run.code).not.toBe(0);
    expect(run.output.trim().split('\n')).toEqual([expect.stringMatching(/CONSOLE_PASSWORD is required/)]);
  });

  it('refuses a wrong password (401, no session) and sends pages to sign-in', async () => {
    await page.goto(`${consoleUrl}/environments`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('input[name="password"]', 'not-the-password');
    const [answer] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'), page.click('button[type="submit"]')]);
    expect(answer.status()).toBe(401);
    await expect(page.locator('#error').textContent()).resolves.toContain('Wrong password');
    expect(await browser.context.cookies()).toEqual([]);
  });

  it('signs in with an HttpOnly SameSite=Strict session cookie under a strict CSP', async () => {
    await page.fill('input[name="password"]', PASSWORD);
    const [answer] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/' && r.request().method() === 'GET'), page.click('button[type="submit"]')]);
    expect(answer.status()).toBe(200);
    const csp = answer.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const [cookie] = await browser.context.cookies();
    expect(cookie).toMatchObject({ name: 'wxgate_console', httpOnly: true, sameSite: 'Strict' });
    expect(cookie!.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Every service answers the ping; the app credential has no token until a call needs it.
    await expect(page.locator('#services tr', { hasText: 'forwarder' }).locator('td.num').textContent()).resolves.toBe('1');
    await expect(page.locator('#services tr', { hasText: 'policy' }).locator('td.num').textContent()).resolves.toBe('1');
    await expect(page.locator('#credentials svg text', { hasText: `app ${SYSTEM.app.appid}` }).count()).resolves.toBe(1);
  });

  it('refuses a change without the CSRF token (403) and changes nothing', async () => {
    const answer = await page.request.post(`${consoleUrl}/environments`, { form: { envId: 'csrf-probe', ownerAppid: SYSTEM.app.appid, ownerKind: 'app' } });
    expect(answer.status()).toBe(403);
    expect(await answer.text()).toContain('CSRF');
    const wrong = await page.request.post(`${consoleUrl}/environments`, { form: { envId: 'csrf-probe', ownerAppid: SYSTEM.app.appid, ownerKind: 'app', _csrf: 'x'.repeat(43) } });
    expect(wrong.status()).toBe(403);
    expect((await system.req('wxgate.admin.env.get', { envId: 'csrf-probe' })).error).toMatchObject({ reason: 'ENV_NOT_FOUND' });
  });

  it('adds an environment and a path, and the forwarder then relays that path', async () => {
    const before = await fetch(`${forwarder.base}${PATH}`, { method: 'POST', body: '{}' });
    expect(before.status).toBe(403);

    await page.click('nav >> text=Environments');
    await page.fill('#env-form input[name="envId"]', ENV_ID);
    await page.fill('#env-form input[name="ownerAppid"]', SYSTEM.app.appid);
    await page.selectOption('#env-form select[name="ownerKind"]', 'app');
    await page.click('#env-form button[type="submit"]');
    await page.waitForURL(`${consoleUrl}/environments/${ENV_ID}`);
    await expect(page.locator('#env-owner').textContent()).resolves.toBe(SYSTEM.app.appid);

    // An invalid path: the page shows the policy service's own BAD_REQUEST message, and adds nothing.
    const bad = ['/wxa/ok_path', '/wxa/trailing/'];
    const nats = (await system.req('wxgate.admin.allowlist.add', { envId: ENV_ID, paths: bad })) as { error: { reason: string; message: string } };
    expect(nats.error.reason).toBe('BAD_REQUEST');
    await page.fill('#allowlist-add textarea', bad.join('\n'));
    const [refused] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/allowlist/add')), page.click('#allowlist-add button')]);
    expect(refused.status()).toBe(400);
    await expect(page.locator('#error').textContent()).resolves.toBe(`BAD_REQUEST: ${nats.error.message}`);
    await expect(page.locator('#allowlist textarea').inputValue()).resolves.toBe(bad.join('\n'));
    expect((await system.req('wxgate.admin.allowlist.list', { envId: ENV_ID })).paths).toEqual([]);

    await page.fill('#allowlist-add textarea', PATH);
    await page.click('#allowlist-add button');
    await expect(page.locator('#allowlist td.path').allTextContents()).resolves.toEqual([PATH]);

    // The forwarder learns the change from policy.changed and relays with the owner's token.
    const relayed = await waitFor(async () => {
      const res = await fetch(`${forwarder.base}${PATH}`, { method: 'POST', body: '{"content":"hi"}', headers: { 'content-type': 'application/json' } });
      return res.status === 200 ? ((await res.json()) as { errcode: number }) : undefined;
    }, { what: 'the forwarder to allow the path added in the console' });
    expect(relayed.errcode).toBe(0);
  });

  it('explains policy.check decisions', async () => {
    await page.click('nav >> text=Check a call');
    await page.fill('#check-form input[name="envId"]', ENV_ID);
    await page.fill('#check-form input[name="path"]', '/wxa/not_listed');
    await page.click('#check-form button');
    await expect(page.locator('#reason').textContent()).resolves.toBe('PATH_NOT_ALLOWED');
    await expect(page.locator('#because').textContent()).resolves.toContain("not on console-e2e's allowlist");

    await page.fill('#check-form input[name="path"]', PATH);
    await page.click('#check-form button');
    await expect(page.locator('#decision h2').textContent()).resolves.toBe('Allowed');
    await expect(page.locator('#decision').textContent()).resolves.toContain(`app ${SYSTEM.app.appid}`);
  });

  it('shows the credential status the call changed, relay traffic as a chart, and lays the overview out sanely', async () => {
    // The relayed call made the refresher fetch the app's token: "ok" with time left now.
    await page.click('nav >> text=Credentials');
    const row = page.locator(`tr[data-credential="app:${SYSTEM.app.appid}"]`);
    await expect(row.locator('.status').textContent()).resolves.toBe('ok');
    await expect(row.locator('td').nth(5).textContent()).resolves.toMatch(/^(1h|2h|\d+m)/);

    await page.click('nav >> text=Overview');
    await waitFor(async () => {
      await page.reload();
      return Number(await page.locator('#calls-last-hour').textContent().catch(() => '0')) >= 2;
    }, { what: 'the relay calls to reach the overview', timeoutMs: 15_000, intervalMs: 500 });
    const traffic = (await (await page.request.get(`${consoleUrl}/api/traffic`)).json()) as { reasons: string[]; series: number[][] };
    // The call before the environment existed was refused, the one after answered.
    expect(traffic.reasons).toEqual(expect.arrayContaining(['ANSWERED', 'ENV_NOT_FOUND']));
    await page.waitForSelector('#traffic-chart[data-state="drawn"] canvas');
    await expect(page.locator('#relay').textContent()).resolves.toContain('ENV_NOT_FOUND');

    // Layout sanity: the key panels are visible, side by side or stacked within the page width.
    const viewport = page.viewportSize()!;
    for (const id of ['#services', '#relay', '#credentials', '#tickets', '#events', '#traffic-chart']) {
      const box = await page.locator(id).boundingBox();
      expect(box).not.toBeNull();
      expect(box!.width).toBeGreaterThan(300);
      expect(box!.height).toBeGreaterThan(40);
      expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width + 1);
    }
    const services = (await page.locator('#services').boundingBox())!;
    const relay = (await page.locator('#relay').boundingBox())!;
    expect(relay.x).toBeGreaterThanOrEqual(services.x + services.width); // two columns at 1280 px
    const shot = await page.screenshot({ fullPage: true });
    expect(shot.length).toBeGreaterThan(30_000); // a blank page is ~5 KB
    if (process.env.CONSOLE_SCREENSHOT) writeFileSync(process.env.CONSOLE_SCREENSHOT, shot);
  });

  it('rotates the component key from the credentials form: pushes with the new key are accepted', async () => {
    const newKey = aesKey();
    expect(await pushTicketWithKey(newKey)).not.toBe(200);
    await page.click('nav >> text=Credentials');
    await page.click(`tr[data-credential="component:${SYSTEM.component.appid}"] >> text=rotate`);
    await expect(page.locator('#component-form input[name="componentAppid"]').inputValue()).resolves.toBe(SYSTEM.component.appid);
    await page.fill('#component-form input[name="componentAppsecret"]', SYSTEM.component.secret);
    await page.fill('#component-form input[name="token"]', SYSTEM.component.token);
    await page.fill('#component-form input[name="encodingAesKey"]', newKey);
    await page.click('#component-form button');
    await expect(page.locator('.flash.ok').textContent()).resolves.toContain(`Component ${SYSTEM.component.appid} saved`);
    // Write-only: the secrets typed are nowhere in the page that follows.
    const html = await page.content();
    for (const secret of [SYSTEM.component.secret, newKey]) expect(html).not.toContain(secret);
    expect(await pushTicketWithKey(newKey)).toBe(200);
    // The previous key still decrypts (WeChat's rotation overlap).
    expect(await pushTicketWithKey(SYSTEM.component.encodingAesKey)).toBe(200);
  });

  it('deletes a credential only after confirmation, and logs who did what without secrets', async () => {
    await page.click(`tr[data-credential="app:${SYSTEM.shared.appid}"] >> text=delete`);
    await expect(page.locator('h1').textContent()).resolves.toContain(SYSTEM.shared.appid);
    expect((await system.req('wxgate.admin.credentials.list')) as unknown as { appid: string }[]).toEqual(expect.arrayContaining([expect.objectContaining({ appid: SYSTEM.shared.appid })]));
    await page.click('#confirm-delete button');
    await expect(page.locator('.flash.ok').textContent()).resolves.toContain(`Deleted app ${SYSTEM.shared.appid}`);
    await expect(page.locator(`tr[data-credential="app:${SYSTEM.shared.appid}"]`).count()).resolves.toBe(0);

    // Putting it back through the form: a new credential starts without a token.
    await page.fill('#app-form input[name="appid"]', SYSTEM.shared.appid);
    await page.fill('#app-form input[name="secret"]', SYSTEM.shared.secret);
    await page.click('#app-form button');
    await expect(page.locator(`tr[data-credential="app:${SYSTEM.shared.appid}"] .status`).textContent()).resolves.toBe('no_token_yet');

    const audit = console_.output().split('\n').filter((l) => l.includes('"audit":true'));
    const actions = audit.map((l) => JSON.parse(l) as { action: string; outcome: string; who: string });
    expect(actions.map((a) => `${a.action} ${a.outcome}`)).toEqual(
      expect.arrayContaining(['sign-in wrong password', 'sign-in ok', 'env.put ok', 'allowlist.add ok', 'component.put ok', 'credentials.delete ok', 'app.put ok']),
    );
    expect(actions.find((a) => a.action === 'env.put')!.who).toMatch(/^operator from .*127\.0\.0\.1 session [0-9a-f]{8}$/);
    for (const secret of [PASSWORD, SYSTEM.component.secret, SYSTEM.component.token, SYSTEM.shared.secret]) expect(console_.output()).not.toContain(secret);
  });

  it('rate-limits failed sign-ins: the sixth within a minute is 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${consoleUrl}/login`, { method: 'POST', body: new URLSearchParams({ password: `wrong-${i}` }), redirect: 'manual' });
      statuses.push(res.status);
    }
    // One failure was spent by the wrong-password test above.
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses.slice(4)).toEqual([429, 429]);
    // Even the right password waits out the minute once limited.
    const right = await fetch(`${consoleUrl}/login`, { method: 'POST', body: new URLSearchParams({ password: PASSWORD }), redirect: 'manual' });
    expect(right.status).toBe(429);
  });
});

