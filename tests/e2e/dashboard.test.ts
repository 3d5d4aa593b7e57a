/** The dashboard in headless Chromium against the real stack: overview, deep link, and a live reading reaching a chart. */
import { buildTopic } from '@canopy/core';
import { connectMqttReady } from '@canopy/core/node';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { LOGINS, type Stack, startStack } from '../helpers/stack.ts';

describe('dashboard in Chromium', () => {
  let stack: Stack;
  let device: MqttClient;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    stack = await startStack({ store: 'sqlite', devices: 6 });
    device = await connectMqttReady(stack.mqttUrl, stack.device('gh1-climate'));
    await device.publishAsync(buildTopic('status', { deviceId: 'gh1-climate' }), JSON.stringify({ state: 'online' }), {
      qos: 1,
      retain: true,
    });
    await publishTemp(24.2, Date.now() - 60_000);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'vi-VN' });
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(err.message));
  });

  afterAll(async () => {
    await browser?.close();
    await device?.endAsync();
    await stack?.stop();
  });

  function publishTemp(value: number, ts = Date.now()) {
    return device.publishAsync(
      buildTopic('telemetry', { deviceId: 'gh1-climate' }),
      JSON.stringify({ ts, m: { air_temp_c: value, rh_pct: 70 } }),
      {
        qos: 1,
      },
    );
  }

  it('asks to log in, and logs in with a phone number', async () => {
    await page.goto(stack.httpUrl);
    const form = page.locator('[data-testid="login-form"]');
    await form.locator('input[name="identifier"]').fill('0900000001');
    await form.locator('input[name="password"]').fill(LOGINS.manager.password);
    await form.locator('button[type="submit"]').click();
    await page.locator('[data-testid="logout"]').waitFor();
  });

  it('shows one card per greenhouse on the overview', async () => {
    await page.goto(stack.httpUrl);
    await page.locator('[data-testid="greenhouse-card"]').first().waitFor();
    const ids = await page
      .locator('[data-testid="greenhouse-card"]')
      .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-greenhouse-id')));
    expect(ids.sort()).toEqual(['gh-1', 'gh-2']);
    await expect.poll(() => page.locator('[data-greenhouse-id="gh-1"]').innerText()).toContain('24,2');
  });

  it('opens a greenhouse by deep link and appends a live reading to its chart', async () => {
    await page.goto(`${stack.httpUrl}/greenhouses/gh-1`);
    const chart = page.locator('[data-testid="chart-temperature"]');
    await chart.waitFor();
    await page.locator('[data-testid="live-status"][data-state="live"]').waitFor();
    const before = Number(await chart.getAttribute('data-live-count'));
    const ts = Date.now();
    await publishTemp(26.8, ts);
    await expect.poll(async () => Number(await chart.getAttribute('data-live-count')), { timeout: 10_000 }).toBeGreaterThan(before);
    expect(Number(await chart.getAttribute('data-last-ts'))).toBe(ts);
    await chart.locator('svg.recharts-surface').first().waitFor();
  });

  it('downloads the charted range as CSV with the session cookie', async () => {
    await page.locator('[data-range="7d"]').click();
    const link = page.locator('[data-testid="export-csv"]');
    await expect.poll(async () => (await link.getAttribute('href')) ?? '').toContain('resolution=1h');
    const csv = await page.evaluate(async (href) => (await fetch(href)).text(), (await link.getAttribute('href')) ?? '');
    const [header, ...rows] = csv.trim().split('\r\n');
    expect(header).toBe('time,ts_ms,greenhouse,device,metric,mean,min,max');
    expect(rows.some((r) => r.includes(',gh-1,') && r.includes(',air_temp_c,'))).toBe(true);
  });

  it('logs out back to the login page', async () => {
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    await page.locator('[data-testid="logout"]').click();
    await page.locator('[data-testid="login-form"]').waitFor();
    expect((await fetch(`${stack.httpUrl}/api/auth/me`, { headers: { cookie } })).status).toBe(401);
  });

  it('logs no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
