/**
 * The console in a real browser (Debian's Chromium through playwright-core): the list, the flow
 * graph, resuming a paused plan by clicking, forged CSRF cookies refused, the XSS probe, and the
 * token login. One browser for the whole file.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { World, silentLogger } from '../../src/index.js';
import type { ExecutionPlan } from '../../src/index.js';
import { createConsole } from '../../src/console/index.js';
import { ACTIONS, Closer, Echo, Flaky, Hostile, Pipeline, TOKEN } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM);
if (missing) {
  console.warn(`console browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium)`);
}

describe.skipIf(missing)(`console in Chromium (skipped when ${CHROMIUM} is missing)`, () => {
  const closer = new Closer();
  let browser: Browser;
  let world: World;
  let root: string;
  let protectedRoot: string;

  beforeAll(async () => {
    world = new World({ actions: ACTIONS, logger: silentLogger });
    await world.start();
    closer.add(() => world.close());
    const open = await createConsole({ world, logger: silentLogger }).listen();
    closer.add(() => open.close());
    root = open.url;
    const locked = await createConsole({ world, token: TOKEN, logger: silentLogger }).listen({
      host: '0.0.0.0',
    });
    closer.add(() => locked.close());
    protectedRoot = locked.url;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    closer.add(() => browser.close());
  });

  afterAll(async () => {
    await closer.closeAll();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext();
    closer.add(() => context.close());
    return context.newPage();
  }

  it('lists plans with their states', async () => {
    Flaky.broken = true;
    const done = await world.trigger(Echo, 'listed').finished;
    const paused = await world.trigger(Pipeline).finished;
    const page = await newPage();
    await page.goto(root);
    await expect.poll(() => page.locator(`tr[data-plan-id="${done.id}"]`).count()).toBe(1);
    const row = (plan: ExecutionPlan): ReturnType<Page['locator']> =>
      page.locator(`tr[data-plan-id="${plan.id}"]`);
    expect(await row(done).locator('.badge').allTextContents()).toEqual(['stopped', 'success']);
    expect(await row(paused).locator('.badge').allTextContents()).toEqual(['paused', 'error']);
    await row(paused).getByRole('link', { name: paused.id }).click();
    await page.waitForURL(`**/plans/${paused.id}`);
  });

  it('draws the run flow with one box per run step, in its state', async () => {
    Flaky.broken = true;
    const plan = await world.trigger(Pipeline).finished;
    const page = await newPage();
    await page.goto(`${root}plans/${plan.id}`);
    const boxes = page.locator('#run-flow [data-step-id]');
    const runSteps = plan.steps.filter((step) => step.phase === 'run');
    expect(await boxes.count()).toBe(runSteps.length);
    for (const step of runSteps) {
      const box = page.locator(`#run-flow [data-step-id="${step.id}"]`);
      expect(await box.getAttribute('data-state')).toBe(step.state);
      expect(await box.getAttribute('class')).toBe(`step state-${step.state}`);
    }
    expect(await page.locator('#finalize-flow [data-step-id]').count()).toBe(
      plan.steps.filter((step) => step.phase === 'finalize').length,
    );
    // Concurrent steps are stacked: the two Echo boxes share a left edge, one above the other.
    const [a, b] = await Promise.all(
      runSteps
        .slice(0, 2)
        .map((step) => page.locator(`#run-flow [data-step-id="${step.id}"]`).boundingBox()),
    );
    expect(a?.x).toBe(b?.x);
    expect(b?.y).toBeGreaterThan((a?.y ?? 0) + (a?.height ?? 0) - 1);
    // The failed step lies to their right, in sequence.
    const failed = await page.locator('#run-flow .step.state-error').boundingBox();
    expect(failed?.x).toBeGreaterThan((a?.x ?? 0) + (a?.width ?? 0));
  });

  it('resumes a paused plan by clicking Resume, and shows it finished', async () => {
    Flaky.broken = true;
    const plan = await world.trigger(Pipeline).finished;
    expect(plan.state).toBe('paused');
    Flaky.broken = false;
    const page = await newPage();
    await page.goto(`${root}plans/${plan.id}`);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.waitForURL(new RegExp(`/plans/${plan.id}`));
    // After the redirect (and, if it was still running, a refresh), the plan is stopped/success.
    await page.waitForSelector('h1 .badge.state-stopped', { timeout: 15_000 });
    expect(await page.locator('h1 .badge').allTextContents()).toEqual(['stopped', 'success']);
    expect(await page.locator('#run-flow [data-state="success"]').count()).toBe(
      plan.steps.filter((step) => step.phase === 'run').length,
    );
    expect((await world.executionPlan(plan.id))?.result).toBe('success');
  });

  /**
   * What an attacker who can plant cookies on the console's origin would do: the CSRF cookie set to
   * a value of their choosing, and a form posting the same value. The page's own Resume form is
   * used, its hidden field rewritten.
   */
  async function submitForged(page: Page, url: string, forged: string, button: string) {
    await page.context().addCookies([{ name: 'flowline_csrf', value: forged, url }]);
    const planted = (await page.context().cookies()).filter((c) => c.name === 'flowline_csrf');
    expect(planted.map((cookie) => cookie.value)).toEqual([forged]);
    const fields = page.locator('input[type="hidden"][name="csrf"]');
    expect(await fields.count()).toBeGreaterThan(0);
    await fields.evaluateAll((inputs, value) => {
      for (const input of inputs) (input as unknown as { value: string }).value = value;
    }, forged);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: button }).click(),
    ]);
    expect(response.status()).toBe(403);
    await page.waitForSelector('text=did not carry this console’s CSRF token');
    // The planted cookie is replaced by a token the console signed.
    const after = (await page.context().cookies()).find((c) => c.name === 'flowline_csrf');
    expect(after?.value).toMatch(/^[\w-]{43}$/);
    expect(after?.value).not.toBe(forged);
  }

  it('refuses a planted CSRF cookie repeated in the form (403, nothing done); Resume then works', async () => {
    Flaky.broken = true;
    const plan = await world.trigger(Pipeline).finished;
    expect(plan.state).toBe('paused');
    Flaky.broken = false;
    const page = await newPage();
    await page.goto(`${root}plans/${plan.id}`);
    await submitForged(page, root, 'A'.repeat(43), 'Resume');
    const after = await world.executionPlan(plan.id);
    expect(after?.state).toBe('paused');
    expect(after?.result).toBe('error');
    // The normal flow still works: reload, click Resume.
    await page.goto(`${root}plans/${plan.id}`);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.waitForSelector('h1 .badge.state-stopped', { timeout: 15_000 });
    expect((await world.executionPlan(plan.id))?.result).toBe('success');
  });

  it('after login, refuses the token from before login planted back (403); Halt then works', async () => {
    Flaky.broken = true;
    const plan = await world.trigger(Pipeline).finished;
    Flaky.broken = false;
    const page = await newPage();
    await page.goto(`${protectedRoot}plans/${plan.id}`);
    const cookieOf = async (): Promise<string | undefined> =>
      (await page.context().cookies()).find((c) => c.name === 'flowline_csrf')?.value;
    const beforeLogin = await cookieOf();
    expect(beforeLogin).toMatch(/^[\w-]{43}$/);
    await page.getByLabel('Token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`**/plans/${plan.id}`);
    expect(await cookieOf()).not.toBe(beforeLogin);
    await submitForged(page, protectedRoot, beforeLogin ?? '', 'Halt');
    expect((await world.executionPlan(plan.id))?.state).toBe('paused');
    await page.goto(`${protectedRoot}plans/${plan.id}`);
    await page.getByRole('button', { name: 'Halt' }).click();
    await page.waitForSelector('h1 .badge.state-stopped', { timeout: 15_000 });
    expect((await world.executionPlan(plan.id))?.state).toBe('stopped');
  });

  it('renders the XSS probe as text: no dialog, the markup visible', async () => {
    const plan = await world.trigger(Hostile, true).finished;
    const step = plan.steps.find((s) => s.phase === 'run');
    const page = await newPage();
    let dialogs = 0;
    page.on('dialog', (dialog) => {
      dialogs++;
      void dialog.dismiss();
    });
    await page.goto(`${root}plans/${plan.id}/steps/${step?.id}`);
    await expect
      .poll(() => page.locator('pre.json', { hasText: '<script>alert(1)</script>' }).isVisible())
      .toBe(true);
    expect(await page.locator('.log-message').textContent()).toBe('<img src=x onerror=alert(2)>');
    expect(await page.locator('.error-message').textContent()).toBe('<script>alert(3)</script>');
    expect(await page.locator('script, img').count()).toBe(0);
    expect(dialogs).toBe(0);
  });

  it('refuses a browser without the token (401), and lets it in after login', async () => {
    const plan = await world.trigger(Echo, 'guarded').finished;
    const page = await newPage();
    const response = await page.goto(`${protectedRoot}plans/${plan.id}`);
    expect(response?.status()).toBe(401);
    expect(await page.locator('body').textContent()).not.toContain('guarded');
    await page.getByLabel('Token').fill('wrong-token-000000000');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForSelector('text=That token is not valid.');
    await page.getByLabel('Token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`**/plans/${plan.id}`);
    expect(await page.locator('h1').textContent()).toContain('Echo');
    const cookies = await page.context().cookies();
    const session = cookies.find((cookie) => cookie.name === 'flowline_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Strict');
  });
});
