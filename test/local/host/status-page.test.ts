import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoFixture } from '../../../local/host/index.ts';
import { findChromium } from '../../support/chromium.ts';
import { closeRigs, REPO_ROOT, startRig, userClient } from './helpers.ts';
import type { HostRig } from './helpers.ts';

/**
 * The status page in a real browser: a Chromium already installed (CHROME_PATH, or chromium, chromium-browser,
 * google-chrome on PATH: test/support/chromium.ts), headless, driven by playwright-core. CI installs Debian's
 * (`.ci/run`); without one this test fails and says how to install it. Its screenshot goes to test-output/
 * (ignored by git).
 */

const OUTPUT = join(REPO_ROOT, 'test-output');
const SCREENSHOT = join(OUTPUT, 'warden-status.png');
const EVIL_ALIAS = 'evil/<script>window.__xss=1</script><img src=x onerror="window.__xss=2">';
const EVIL_TAG = '<b onmouseover="window.__xss=3">bold</b>';
/** ANSI escapes, a bell and a right-to-left override: shown escaped, never reordering the text around them. */
const CONTROL_TAG = 'ctl\u001b[31m\u0007\u202etxt.exe';

let context: BrowserContext;
let page: Page;
let rig: HostRig;
let profile: string;
const problems: string[] = [];

beforeAll(async () => {
  const chromiumPath = findChromium();
  mkdirSync(OUTPUT, { recursive: true });
  const fixture = demoFixture();
  fixture.keys?.push({ key_id: '0e0e0e0e-0000-4000-8000-000000000bad', key_alias: EVIL_ALIAS, tags: { note: EVIL_TAG, [CONTROL_TAG]: CONTROL_TAG } });
  // An orphaned, old event the prune at start deletes: its name reaches the page as an action's target.
  const old = fixture.events?.find((event) => event.name === 'migration-2023');
  if (old) fixture.events?.push({ ...old, name: '__proto__' });
  rig = await startRig({ fixture, runAtStart: true });
  profile = mkdtempSync(join(tmpdir(), 'warden-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
}, 60_000);

afterAll(async () => {
  await context?.close();
  await closeRigs();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const text = (selector: string) => page.locator(selector).innerText();

describe('the status page', () => {
  it('shows the functions, their triggers, the cloud state and recent invocations, and refreshes by itself', async () => {
    const { host, cloud } = rig;
    const response = await page.goto(`${host.url}/`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'nonce-");

    await page.locator('#functions').getByText('guard-key-deletion', { exact: true }).waitFor();
    const functions = await text('#functions');
    for (const expected of ['tag-new-keys', 'prune-orphan-events', 'check-restorable', 'KMS:cmk:createKey', 'POST /warden/tag-new-keys', 'every 1h', 'cron 0 30 3 * * ?']) {
      expect(functions).toContain(expected);
    }
    // Each function's signed curl, reading its own secret from the variable the banner exports.
    for (const name of ['TAG_NEW_KEYS', 'GUARD_KEY_DELETION', 'PRUNE_ORPHAN_EVENTS', 'CHECK_RESTORABLE']) {
      expect(functions).toContain(`openssl dgst -sha256 -hmac "$WARDEN_WEBHOOK_SECRET_${name}"`);
    }
    const keys = await text('#keys');
    for (const expected of ['app/payments-db', 'kms/default', 'pending deletion', 'payments-db-password', 'deletion-protection']) expect(keys).toContain(expected);

    // The runs at start show up with their actions, and their effects in the tables.
    await page.locator('#invocations').getByText('warden-restorable-daily (cron 0 0 6 * * ?)').first().waitFor();
    await page.locator('#invocations').getByText('warden-prune-daily (cron 0 30 3 * * ?)').first().waitFor();
    await page.locator('#servers').getByText('not restorable').first().waitFor();
    expect(await text('#servers')).toMatch(/stale/);
    expect(await text('#events')).toContain('orphaned');

    // A change in the cloud appears without a reload: a key created through the API, tagged by tag-new-keys.
    const refreshes = Number(await page.locator('body').getAttribute('data-refreshes'));
    const client = userClient(cloud);
    try {
      await client.kms.createKey({ key_alias: 'ui/appears-by-itself' });
    } finally {
      await client.close();
    }
    await page.locator('#keys').getByText('ui/appears-by-itself').first().waitFor({ timeout: 10_000 });
    await page.locator('#invocations').getByText('KMS:cmk:createKey ui/appears-by-itself', { exact: false }).first().waitFor({ timeout: 10_000 });
    expect(Number(await page.locator('body').getAttribute('data-refreshes'))).toBeGreaterThan(refreshes);
    expect(page.url()).toBe(`${host.url}/`);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(problems).toEqual([]);
  }, 60_000);

  it('survives any resource name: an event named __proto__ is listed and acted on like any other', async () => {
    await page.locator('#invocations').getByText('__proto__', { exact: true }).first().waitFor();
    expect(await text('#invocations')).toContain('warden-prune-daily');
    expect(await text('#keys')).toContain('app/payments-db');
    expect(problems).toEqual([]);
  });

  it('shows control characters and bidi marks escaped, as visible text', async () => {
    const keys = await text('#keys');
    expect(keys).toContain('ctl\\u001b[31m\\u0007\\u202etxt.exe');
    expect(keys).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  });

  it('shows user-controlled text (aliases, tags) as text: no script runs, no element is made', async () => {
    await page.locator('#keys').getByText(EVIL_ALIAS, { exact: true }).first().waitFor();
    expect(await text('#keys')).toContain(EVIL_TAG);
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('#keys img, #keys script, #keys b').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
