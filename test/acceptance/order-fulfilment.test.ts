/**
 * The order-fulfilment example (examples/order-fulfilment), end to end over real HTTP on a real
 * SQLite file: idempotent POSTs, the carrier's webhook delivered by name, injected services,
 * validated input, and a rollback when the carrier refuses the parcel.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ORDER_ACTIONS } from '../../examples/order-fulfilment/actions.js';
import { listen } from '../../examples/order-fulfilment/app.js';
import type { Services } from '../../examples/order-fulfilment/services.js';
import { Carrier, Mailer, PaymentProvider } from '../../examples/order-fulfilment/services.js';
import { World } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { planReaching } from '../helpers/world.js';

describe('order fulfilment on SQLite, over HTTP', () => {
  let dir: string;
  let services: Services;
  let world: World<Services>;
  let app: { url: string; close: () => Promise<void> };

  /** POSTs JSON to the app; resolves to the status and the parsed body. */
  async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
  }

  /** The carrier's webhook call for an order, once the order booked its pickup. */
  async function carrierShips(orderId: string, tracking: string) {
    const callbackUrl = await services.carrier.booked(orderId);
    return post(new URL(callbackUrl).pathname, { tracking });
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowline-orders-test-'));
    services = {
      payments: new PaymentProvider(),
      carrier: new Carrier(),
      mailer: new Mailer(),
      publicUrl: '',
    };
    world = new World<Services>({
      adapter: new SqliteAdapter({ filename: join(dir, 'orders.db') }),
      actions: ORDER_ACTIONS,
      context: services,
    });
    await world.start();
    app = await listen(world);
    services.publicUrl = app.url;
  });

  afterEach(async () => {
    await app.close();
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a duplicate POST with the same Idempotency-Key returns the same order and charges once', async () => {
    const order = { orderId: 'A-1', email: 'ada@example.com', amountCents: 4200 };
    const [first, second] = await Promise.all([
      post('/orders', order, { 'idempotency-key': 'k-1' }),
      post('/orders', order, { 'idempotency-key': 'k-1' }),
    ]);
    expect(first.status).toBe(202);
    expect(second).toEqual(first);
    const planId = (first.body as { planId: string }).planId;

    expect((await carrierShips('A-1', 'TRK-1')).status).toBe(204);
    const plan = await planReaching(world, planId);
    expect([plan.state, plan.result]).toEqual(['stopped', 'success']);
    expect(services.payments.charges).toEqual([
      { id: 'charge:A-1', orderId: 'A-1', amountCents: 4200, refunded: false },
    ]);
    expect(await world.executionPlans({ idempotencyKey: 'k-1' })).toHaveLength(1);
  });

  it('the step waiting for carrier.shipped gets the webhook by name, then the label and the e-mail follow', async () => {
    const posted = await post(
      '/orders',
      { orderId: 'A-2', email: 'bo@example.com', amountCents: 100 },
      { 'idempotency-key': 'k-2' },
    );
    const planId = (posted.body as { planId: string }).planId;
    const callbackUrl = await services.carrier.booked('A-2');
    expect(callbackUrl).toBe(`${app.url}/carrier/${planId}`);
    // Nothing is e-mailed before the carrier calls back.
    expect(services.mailer.sent).toEqual([]);

    await carrierShips('A-2', 'TRK-2');
    const plan = await planReaching(world, planId);
    expect(plan.result).toBe('success');
    const label = plan.actions.find((a) => a.className === 'PrintLabel');
    expect(label?.output).toEqual({ label: 'label:A-2:TRK-2' });
    expect(services.mailer.sent).toEqual([
      { to: 'bo@example.com', subject: 'Shipped, tracking TRK-2' },
    ]);
  });

  it('a carrier refusal rolls the order back: the charge is refunded and the order ends cancelled', async () => {
    services.carrier.refusals.add('B-1');
    const posted = await post(
      '/orders',
      { orderId: 'B-1', email: 'cy@example.com', amountCents: 990 },
      { 'idempotency-key': 'k-3' },
    );
    const planId = (posted.body as { planId: string }).planId;
    await carrierShips('B-1', 'TRK-3');

    const plan = await planReaching(world, planId);
    expect([plan.state, plan.result]).toEqual(['stopped', 'cancelled']);
    expect(services.payments.charges).toEqual([
      { id: 'charge:B-1', orderId: 'B-1', amountCents: 990, refunded: true },
    ]);
    const compensations = plan.steps.filter((step) => step.phase === 'compensate');
    expect(compensations.map((step) => [step.className, step.state])).toEqual([
      ['ChargePayment', 'success'],
    ]);
    expect(services.mailer.sent).toEqual([]);
  });

  it('an order that fails its schema is refused when planned, with the issues, and charges nothing', async () => {
    const posted = await post(
      '/orders',
      { orderId: 'C-1', email: 'not an address', amountCents: -1 },
      { 'idempotency-key': 'k-4' },
    );
    expect(posted.status).toBe(422);
    const issues = (posted.body as { issues: { path: unknown[] }[] }).issues;
    expect(issues.map((issue) => issue.path)).toEqual([['email'], ['amountCents']]);
    expect(services.payments.charges).toEqual([]);
  });

  it('a webhook for an unknown order is a 404 and a POST without a key a 400', async () => {
    expect((await post('/carrier/no-such-plan', { tracking: 'x' })).status).toBe(404);
    expect(
      (await post('/orders', { orderId: 'D', email: 'd@example.com', amountCents: 1 })).status,
    ).toBe(400);
  });
});
