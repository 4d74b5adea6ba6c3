/**
 * Order fulfilment, end to end on SQLite: an HTTP app whose orders are sagas.
 *
 * 1. A customer's POST /orders is sent twice with the same Idempotency-Key (a retry after a
 *    timeout): one plan, one charge.
 * 2. The carrier calls the webhook; the step waiting for `carrier.shipped` gets it by name; the
 *    label is printed and the customer e-mailed.
 * 3. A second order: the carrier refuses the parcel, so the label step fails and asks for a
 *    rollback: the charge is refunded, the plan stops `cancelled`.
 *
 * Run it with `npx tsx examples/order-fulfilment/main.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionPlan } from '../../src/index.js';
import { World } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { ORDER_ACTIONS } from './actions.js';
import { listen } from './app.js';
import { Carrier, Mailer, PaymentProvider } from './services.js';
import type { Services } from './services.js';

const dir = mkdtempSync(join(tmpdir(), 'flowline-orders-'));
const services: Services = {
  payments: new PaymentProvider(),
  carrier: new Carrier(),
  mailer: new Mailer(),
  publicUrl: '',
};
const world = new World<Services>({
  adapter: new SqliteAdapter({ filename: join(dir, 'orders.db') }),
  actions: ORDER_ACTIONS,
  context: services,
});
await world.start();
const app = await listen(world);
services.publicUrl = app.url;

/** POSTs JSON to the app. */
async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: response.status === 204 ? undefined : await response.json(),
  };
}

/** Waits until the plan is stopped or paused (the world's plan:state events). */
function settled(planId: string): Promise<ExecutionPlan> {
  return new Promise((resolve, reject) => {
    const check = () =>
      world.executionPlan(planId).then((plan) => {
        if (plan !== undefined && (plan.state === 'stopped' || plan.state === 'paused')) {
          off();
          resolve(plan);
        }
      }, reject);
    const off = world.on('plan:state', (event) => {
      if (event.planId === planId) void check();
    });
    void check();
  });
}

try {
  console.log('Order A-1, posted twice with the same Idempotency-Key');
  const order = { orderId: 'A-1', email: 'ada@example.com', amountCents: 4200 };
  const first = await post('/orders', order, { 'idempotency-key': 'checkout-7f3a' });
  const again = await post('/orders', order, { 'idempotency-key': 'checkout-7f3a' });
  console.log(`  first POST  → ${first.status}`, first.body);
  console.log(`  second POST → ${again.status}`, again.body);
  const planId = (first.body as { planId: string }).planId;

  const callbackUrl = await services.carrier.booked('A-1');
  console.log(`  the carrier calls ${callbackUrl.replace(app.url, '')}`);
  await post(callbackUrl.replace(app.url, ''), { tracking: 'TRK-1001' });
  const shipped = await settled(planId);
  console.log(
    `  → ${shipped.state}/${shipped.result}; charges: ${services.payments.charges.length}`,
  );
  console.log(`  e-mails: ${JSON.stringify(services.mailer.sent)}`);

  console.log('\nOrder B-2: the carrier refuses the parcel, the order is rolled back');
  services.carrier.refusals.add('B-2');
  const second = await post(
    '/orders',
    { orderId: 'B-2', email: 'bob@example.com', amountCents: 990 },
    { 'idempotency-key': 'checkout-91c0' },
  );
  const secondId = (second.body as { planId: string }).planId;
  await post((await services.carrier.booked('B-2')).replace(app.url, ''), { tracking: 'TRK-2002' });
  const rolledBack = await settled(secondId);
  console.log(`  → ${rolledBack.state}/${rolledBack.result}`);
  for (const step of rolledBack.steps.filter((s) => s.phase === 'compensate')) {
    console.log(`  compensated ${step.className}: ${step.state}`);
  }
  console.log(`  charges: ${JSON.stringify(services.payments.charges)}`);

  console.log('\nAn order with a negative amount is refused when planned');
  const bad = await post(
    '/orders',
    { orderId: 'C-3', email: 'cy@example.com', amountCents: -1 },
    { 'idempotency-key': 'checkout-c3' },
  );
  console.log(`  → ${bad.status}`, JSON.stringify(bad.body));
} finally {
  await app.close();
  await world.close();
  rmSync(dir, { recursive: true, force: true });
}
