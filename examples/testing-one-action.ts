/**
 * Testing one action without a world, and driving time with a managed clock.
 *
 * - `testAction(AwaitShipment, …)` runs one action's `run` with an input: it suspends waiting for
 *   the carrier, with a timeout planned for a day later; the test reads how it suspended, then
 *   delivers the carrier's webhook and reads the output and log lines.
 * - `testAction(Charge, …)`: a `static retry` action that fails twice, driven from retry to retry
 *   by `clock.advanceToNextStepTimer()`, without waiting three real minutes.
 * - A world on a `ManagedClock` doing the same retry: heartbeats are due before the retries, and
 *   `advanceToNextStepTimer()` goes past them; `clock.timers()` says what is due.
 * - `world.resume(id, { wait: false })` answers as soon as the plan runs again.
 *
 * Run it with `npx tsx examples/testing-one-action.ts`.
 */
import type { JsonValue } from '../src/index.js';
import { Action, World, silentLogger } from '../src/index.js';
import { ManagedClock, testAction } from '../src/testing/index.js';
import { json } from './format.js';

/** Waits for the carrier's webhook; gives up after a day. */
class AwaitShipment extends Action<{ orderId: string }, { tracking?: string; gaveUp?: boolean }> {
  run(event?: JsonValue) {
    if (event === undefined) {
      this.log.info('waiting for the carrier', { orderId: this.input.orderId });
      this.scheduleTimeout(86_400_000);
      this.suspend();
    }
    if (Action.isTimeout(event)) {
      this.output.gaveUp = true;
      return;
    }
    this.output.tracking = (event as { tracking: string }).tracking;
  }
}

let chargeCalls = 0;
/** A payment gateway that is down for the first two attempts. */
class Charge extends Action<{ cents: number }, { chargeId?: string }> {
  static override retry = { retries: 2, minTimeout: 60_000, factor: 2 };
  run() {
    chargeCalls++;
    if (chargeCalls % 3 !== 0) throw new Error('payment gateway unavailable');
    this.output.chargeId = `ch_${this.input.cents}`;
  }
}

/** Fails once; resumed, it works until told to stop. */
let migrateFails = true;
let finishMigration: () => void = () => undefined;
class Migrate extends Action {
  async run() {
    if (migrateFails) {
      migrateFails = false;
      throw new Error('database locked');
    }
    await new Promise<void>((resolve) => {
      finishMigration = resolve;
    });
  }
}

// 1. One action, suspended and woken.
const shipment = testAction(AwaitShipment, {
  input: { orderId: 'o-1' },
  clock: new ManagedClock(0),
});
const first = await shipment.run();
console.log(
  `AwaitShipment: ${first.kind}; planned: ${JSON.stringify(shipment.suspended?.plannedEvents)}`,
);
await shipment.run({ tracking: 'Z1' });
console.log(`after the webhook: ${shipment.state}, output ${json(shipment.output)}`);
console.log(`log: ${shipment.log.map((line) => line.message).join('; ')}`);

// 2. A retry, without a world.
const charge = testAction(Charge, { input: { cents: 500 }, clock: new ManagedClock(0) });
const charged = charge.run();
for (let timer = await charge.clock.advanceToNextStepTimer(); timer !== undefined;) {
  console.log(`retry timer fired at +${timer.due / 1000} s`);
  timer = await charge.clock.advanceToNextStepTimer();
}
const result = await charged;
console.log(
  `Charge: ${result.kind} after ${result.attempts?.length} attempts, ${json(result.output)}`,
);

// 3. The same retry in a world: heartbeats come due first, the step timer is what we want.
const clock = new ManagedClock(0);
const world = new World({ clock, actions: [Charge, Migrate], logger: silentLogger });
await world.start();
const running = new Promise<void>((resolve) => {
  world.on('step:state', (e) => {
    if (e.phase === 'run' && e.state === 'running') resolve();
  });
});
const { finished } = world.trigger(Charge, { cents: 700 });
await running;
await clock.advanceToNextStepTimer();
console.log(`due now: ${JSON.stringify(clock.timers().map(({ kind, due }) => ({ kind, due })))}`);
await clock.advanceToNextStepTimer();
const plan = await finished;
console.log(`plan ${plan.state}/${plan.result} at +${clock.now() / 1000} s of managed time`);

// 4. Resume without waiting for the whole plan.
const paused = await world.trigger(Migrate).finished;
const resumed = await world.resume(paused.id, { wait: false });
console.log(`resumed: ${resumed.state} while the migration still runs`);
finishMigration();
await world.close();
