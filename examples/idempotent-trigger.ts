/**
 * Idempotent triggers: a retried request starts its plan once.
 *
 * 1. A payment webhook is delivered three times with the same `Idempotency-Key`: every delivery
 *    gets the same plan id, and the card is charged once.
 * 2. A caller-chosen plan id (the order number): triggering the order again returns its plan, and
 *    `executionPlans({ idempotencyKey })` finds a plan by its key.
 * 3. Two worlds on one SQLite file (two processes, say) receive the same request at the same
 *    moment: exactly one of them plans it; both get its result.
 *
 * Run it with `npx tsx examples/idempotent-trigger.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Action, World, silentLogger } from '../src/index.js';
import { SqliteAdapter } from '../src/persistence/sqlite/index.js';

/** The card charges made, as the payment provider would see them. */
const charged: string[] = [];

class ChargeOrder extends Action<{ orderId: string; cents: number }, { receipt: string }> {
  override plan(orderId: string, cents: number): void {
    this.planSelf({ orderId, cents });
  }

  run(): void {
    charged.push(this.input.orderId);
    this.output.receipt = `rcpt-${this.input.orderId}`;
  }
}

async function retriedWebhook(world: World): Promise<void> {
  console.log('1. one webhook delivered three times');
  const deliveries = [1, 2, 3].map(() =>
    world.triggerWith({ idempotencyKey: 'evt_3PqL9x' }, ChargeOrder, 'order-17', 1999),
  );
  for (const [i, delivery] of deliveries.entries()) {
    const plan = await delivery.finished;
    console.log(`   delivery ${i + 1}: plan ${delivery.id} ${plan.state}/${plan.result}`);
  }
  console.log(`   charges made: ${charged.length} (${charged.join(', ')})`);
}

async function orderNumberAsId(world: World): Promise<void> {
  console.log('2. the order number as the plan id');
  const first = await world.triggerWith(
    { id: 'order-18', idempotencyKey: 'checkout:order-18', label: 'charge order 18' },
    ChargeOrder,
    'order-18',
    500,
  ).finished;
  const again = await world.triggerWith(
    { id: 'order-18', idempotencyKey: 'checkout:order-18' },
    ChargeOrder,
    'order-18',
    500,
  ).finished;
  console.log(
    `   first: ${first.id} (${first.label}), again: ${again.id}, same plan: ${first.id === again.id}`,
  );
  const [found] = await world.executionPlans({ idempotencyKey: 'checkout:order-18' });
  console.log(
    `   found by key: ${found?.id} with receipt ${JSON.stringify(found?.actions[0]?.output.receipt)}`,
  );
  console.log(`   charges made: ${charged.length}`);
}

async function twoWorldsOneFile(): Promise<void> {
  console.log('3. two worlds on one SQLite file, the same request at the same moment');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-idempotent-'));
  const filename = path.join(dir, 'flowline.db');
  const worlds = [1, 2].map(
    (n) =>
      new World({
        id: `world-${n}`,
        adapter: new SqliteAdapter({ filename }),
        actions: [ChargeOrder],
        logger: silentLogger,
        // How often a world looks at a plan another world runs (there is no cross-process
        // notification yet).
        schedulerPollIntervalMs: 50,
      }),
  );
  try {
    for (const world of worlds) await world.start();
    const before = charged.length;
    const calls = worlds.map((world) =>
      world.triggerWith({ idempotencyKey: 'evt_8ZkQ2w' }, ChargeOrder, 'order-19', 2500),
    );
    const plans = await Promise.all(calls.map((call) => call.finished));
    for (const [i, plan] of plans.entries()) {
      console.log(`   world-${i + 1}: plan ${plan.id} ${plan.state}/${plan.result}`);
    }
    const stored = await worlds[0]?.executionPlans();
    console.log(`   plans stored: ${stored?.length}, charges made: ${charged.length - before}`);
  } finally {
    for (const world of worlds) await world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const world = new World({ actions: [ChargeOrder], logger: silentLogger });
await world.start();
try {
  await retriedWebhook(world);
  await orderNumberAsId(world);
} finally {
  await world.close();
}
await twoWorldsOneFile();
