/**
 * A real browser for the console tests: Debian's Chromium (installed like nats-server when missing
 * and root) driven by playwright-core, headless, with a fresh profile that is removed afterwards.
 */
import { chromium, type BrowserContext } from 'playwright-core';
import { ensureDebianProgram } from '../../scripts/nats-server.mjs';
import { tempDir } from './harness.js';

export function ensureChromium(): string {
  return ensureDebianProgram({
    binary: 'chromium',
    candidates: ['/usr/bin/chromium', '/usr/bin/chromium-browser'],
    hint: 'install Chromium (Debian/Ubuntu: apt-get install chromium) and put it on PATH',
  });
}

export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchBrowser(executablePath = ensureChromium()): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = tempDir('wxgate-chromium-');
  const context = await chromium.launchPersistentContext(profile.path, {
    executablePath,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
    timeout: 30_000,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      profile.remove();
    },
  };
}
