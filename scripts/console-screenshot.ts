/**
 * `npm run screenshot`: renders the console's plan detail page in headless Chromium and saves it as
 * docs/console-detail.png, the picture in the README. The plan is the infrastructure example
 * (`npm run demo`) with its web server failing, so the page shows done, failed and pending steps of
 * a paused plan.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { World, silentLogger } from '../src/index.js';
import type { Middleware } from '../src/index.js';
import { CreateInfrastructure, CreateMachine } from '../examples/infrastructure-actions.js';
import { createConsole } from '../src/console/index.js';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = new URL('../docs/console-detail.png', import.meta.url);

if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  process.exit(1);
}

/** A world middleware standing in for a cloud out of quota: web servers cannot be created. */
const outOfQuota: Middleware = {
  name: 'out-of-quota',
  run: (next, event, { action }) => {
    const input = (action?.input ?? {}) as { profile?: string };
    if (input.profile === 'web_server') throw new Error('quota exceeded: no web server today');
    return next(event);
  },
};

const world = new World({
  actions: [CreateMachine, CreateInfrastructure],
  middleware: [outOfQuota],
  logger: silentLogger,
});
await world.start();
const flowline = createConsole({ world });
const server = await flowline.listen();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
try {
  const plan = await world.trigger(CreateInfrastructure).finished;
  const page = await browser.newPage({ viewport: { width: 1200, height: 820 } });
  await page.goto(`${server.url}/plans/${plan.id}`);
  await page.screenshot({ path: OUTPUT.pathname, fullPage: true });
  console.log(`saved ${OUTPUT.pathname} (plan ${plan.id}, ${plan.state}/${plan.result})`);
} finally {
  await browser.close();
  await server.close();
  await world.close();
}
