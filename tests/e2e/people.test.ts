/**
 * The "Farms & people" screen in headless Chromium on a 360-px phone against the real stack: a coop
 * manager creates a farmer with a phone number and puts them on a farm, the farmer logs in with
 * that phone and sees only that farm, and an extension officer gets the screen without controls.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { LOGINS, login, type Stack, startStack } from '../helpers/stack.ts';

const FARMER = { name: 'Lê Văn Cường', phone: '0912 345 678', password: 'dua-luoi-2026' };
const PHONE_WIDTH = 360;

describe('farms and people in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let manager: Page;
  let farmerId: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // 12 devices: two farms, farm-1 with gh-1 and gh-2, farm-2 with gh-3 and gh-4.
    stack = await startStack({ store: 'sqlite', devices: 12 });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** A fresh browser profile per person, logged in through the login form; confirmations are accepted. */
  async function logIn(identifier: string, password: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: PHONE_WIDTH, height: 780 }, locale: 'vi-VN' });
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    // The refused duplicate below logs its 409 as a failed resource; anything else is a fault.
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().includes('409')) pageErrors.push(msg.text());
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(stack.httpUrl);
    const form = page.locator('[data-testid="login-form"]');
    await form.locator('input[name="identifier"]').fill(identifier);
    await form.locator('input[name="password"]').fill(password);
    await form.locator('button[type="submit"]').click();
    await page.locator('[data-testid="logout"]').waitFor();
    return page;
  }

  const pageWidth = (page: Page) => page.locator('html').evaluate((html) => html.scrollWidth);

  it('opens the screen from the nav as the coop manager', async () => {
    manager = await logIn('0900000001', LOGINS.manager.password);
    await manager.locator('[data-testid="nav-people"]').click();
    await manager.locator('[data-testid="people-page"][data-mode="manage"]').waitFor();
    const farms = await manager
      .locator('[data-testid="farm-card"]')
      .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-farm-id')));
    expect(farms.sort()).toEqual(['farm-1', 'farm-2']);
    expect(await pageWidth(manager)).toBeLessThanOrEqual(PHONE_WIDTH);
  });

  it('creates a farmer with a phone number and lists them', async () => {
    await manager.locator('[data-testid="add-user-open"]').click();
    const form = manager.locator('[data-testid="add-user-form"]');
    await form.locator('input[name="name"]').fill(FARMER.name);
    await form.locator('input[name="phone"]').fill(FARMER.phone);
    await form.locator('input[name="password"]').fill(FARMER.password);
    await form.locator('button[type="submit"]').click();
    await form.locator('[role="status"]').waitFor();
    const row = manager.locator('[data-testid="user-row"]', { hasText: FARMER.name });
    await row.waitFor();
    farmerId = (await row.getAttribute('data-user-id')) ?? '';
    expect(farmerId).toMatch(/^u-/);
    expect(await row.textContent()).toContain('0912345678');
    expect(await pageWidth(manager)).toBeLessThanOrEqual(PHONE_WIDTH);
  });

  it('shows the API’s refusal of a second account with the same phone', async () => {
    const form = manager.locator('[data-testid="add-user-form"]');
    await form.locator('input[name="name"]').fill('Trùng số');
    await form.locator('input[name="phone"]').fill('+84 912 345 678');
    await form.locator('input[name="password"]').fill('another-password');
    await form.locator('button[type="submit"]').click();
    await expect.poll(() => form.locator('[data-testid="action-error"]').textContent()).toContain('CANOPY_USER_EXISTS');
  });

  it('puts the farmer on a farm', async () => {
    const farm2 = manager.locator('[data-testid="farm-card"][data-farm-id="farm-2"]');
    await farm2.locator('[data-testid="add-member-select"]').selectOption(farmerId);
    await farm2.locator('[data-testid="add-member"]').click();
    await farm2.locator(`[data-testid="member"][data-user-id="${farmerId}"]`).waitFor();
    expect(await manager.locator(`[data-farm-id="farm-1"] [data-testid="member"][data-user-id="${farmerId}"]`).count()).toBe(0);
  });

  it('lets the farmer log in with the phone number and see only that farm, without the screen', async () => {
    const farmer = await logIn('0912345678', FARMER.password);
    await farmer.locator('[data-testid="greenhouse-card"]').first().waitFor();
    const ids = await farmer
      .locator('[data-testid="greenhouse-card"]')
      .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-greenhouse-id')));
    expect(ids.sort()).toEqual(['gh-3', 'gh-4']);
    expect(await farmer.locator('[data-testid="nav-people"]').count()).toBe(0);
    await farmer.goto(`${stack.httpUrl}/people`);
    await farmer.locator('[data-testid="people-forbidden"]').waitFor();
    expect(await farmer.locator('[data-testid="people-page"]').count()).toBe(0);
    await farmer.context().close();
  });

  it('shows an extension officer the farms and people without edit controls or contact details', async () => {
    const officer = await logIn(LOGINS.officer.email, LOGINS.officer.password);
    await officer.locator('[data-testid="nav-people"]').click();
    const screen = officer.locator('[data-testid="people-page"][data-mode="read"]');
    await screen.waitFor();
    await screen.locator(`[data-farm-id="farm-2"] [data-testid="member"][data-user-id="${farmerId}"]`).waitFor();
    expect(await screen.locator('button, select, input, form, summary').count()).toBe(0);
    expect(await screen.textContent()).not.toContain('0912345678');
    await officer.context().close();
  });

  it('removes the farmer from the farm, then disables and re-enables the account', async () => {
    const farm2 = manager.locator('[data-testid="farm-card"][data-farm-id="farm-2"]');
    await farm2.locator(`[data-user-id="${farmerId}"] [data-testid="remove-member"]`).click();
    await expect.poll(() => farm2.locator(`[data-testid="member"][data-user-id="${farmerId}"]`).count()).toBe(0);

    const row = manager.locator(`[data-testid="user-row"][data-user-id="${farmerId}"]`);
    await row.locator('[data-testid="toggle-disabled"]').click();
    await row.locator('.tag--bad').waitFor();
    const refused = await fetch(`${stack.httpUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone: '0912345678', password: FARMER.password }),
    });
    expect(refused.status).toBe(403);
    await row.locator('[data-testid="toggle-disabled"]').click();
    await expect.poll(() => row.locator('.tag--bad').count()).toBe(0);
    await login(stack.httpUrl, { phone: '0912345678', password: FARMER.password });
  });

  it('changes a role: the farmer made an extension officer', async () => {
    const row = manager.locator(`[data-testid="user-row"][data-user-id="${farmerId}"]`);
    await row.locator('[data-testid="role-select"]').selectOption('extension_officer');
    await expect.poll(() => row.textContent()).toContain('Cán bộ khuyến nông');
  });

  it('logs no errors in the browser', () => {
    expect(pageErrors).toEqual([]);
  });
});
