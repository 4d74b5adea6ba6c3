/**
 * Timeouts and retries: `static timeout` and `static retry` on an action class.
 *
 * Three actions call (simulated) remote services:
 *
 * - `FetchQuote` talks to a flaky pricing service that fails twice before it answers. With
 *   `static override retry = { retries: 3, minTimeout: 100, factor: 2 }` its `run` is called again after
 *   100 ms, then after 200 ms, within the same step; every attempt is recorded on the step.
 * - `ReserveStock` calls a service that hangs. `static override timeout = 300` fails the step with
 *   `STEP_TIMEOUT` after 300 ms; `this.signal` aborts, so the call it made is cancelled; its
 *   `rescueStrategy()` is `skip`, so the plan carries on and ends with result `warning`.
 * - `NotifyWarehouse` combines both: each attempt gets its own 150 ms, and a timed-out attempt is
 *   retried like a failed one. The second attempt answers in time.
 *
 * Time is the world's clock (the real one here; tests pass a `ManagedClock` and advance it by hand).
 *
 * Run it with `npx tsx examples/timeouts-and-retries.ts`.
 */
import type { RescueStrategy } from '../src/index.js';
import { Action, World } from '../src/index.js';
import { json, stepTable, stopwatch } from './format.js';

const elapsed = stopwatch();

/** Resolves with `value` after `ms`, or rejects as soon as `signal` aborts (like `fetch`). */
function remoteCall<T>(value: T, ms: number, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      resolve(value);
    }, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        console.log(`${elapsed()}  [remote] call cancelled: ${String(signal.reason)}`);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}

let pricingCalls = 0;

class FetchQuote extends Action<{ sku: string }, { price?: number }> {
  // p-retry's options: 3 retries, waiting 100 ms, then 200 ms, then 400 ms (factor 2).
  static override retry = { retries: 3, minTimeout: 100, factor: 2 };

  async run(): Promise<void> {
    pricingCalls++;
    console.log(`${elapsed()}  FetchQuote attempt ${pricingCalls}`);
    if (pricingCalls <= 2) throw new Error(`pricing service unavailable (call ${pricingCalls})`);
    this.output.price = await remoteCall(42, 10, this.signal);
  }
}

class ReserveStock extends Action<{ sku: string }, { reservation?: string }> {
  // The whole run call may take at most 300 ms.
  static override timeout = 300;

  override rescueStrategy(): RescueStrategy {
    return 'skip';
  }

  async run(): Promise<void> {
    console.log(`${elapsed()}  ReserveStock calls a service that takes 10 s`);
    // Pass this.signal to whatever the call waits for, so that a timeout cancels it.
    this.output.reservation = await remoteCall('R-1', 10_000, this.signal);
  }
}

let warehouseCalls = 0;

class NotifyWarehouse extends Action<{ sku: string }, { notified?: boolean }> {
  // 150 ms per attempt; one retry 50 ms after a failed or timed-out attempt.
  static override timeout = 150;
  static override retry = { retries: 1, minTimeout: 50 };

  async run(): Promise<void> {
    warehouseCalls++;
    const ms = warehouseCalls === 1 ? 1000 : 20;
    console.log(`${elapsed()}  NotifyWarehouse attempt ${warehouseCalls} (answers in ${ms} ms)`);
    this.output.notified = await remoteCall(true, ms, this.signal);
  }
}

class PlaceOrder extends Action {
  override plan(sku: string): void {
    this.concurrence(() => {
      this.planAction(FetchQuote, { sku });
      this.planAction(ReserveStock, { sku });
      this.planAction(NotifyWarehouse, { sku });
    });
  }
}

const world = new World({ actions: [FetchQuote, ReserveStock, NotifyWarehouse, PlaceOrder] });
await world.start();

const plan = await world.trigger(PlaceOrder, 'sku-1').finished;
console.log(`\nPlan ${plan.id}: state ${plan.state}, result ${plan.result}\n`);
console.log(stepTable(plan, ['run']));

for (const step of plan.steps) {
  if (step.attempts === undefined) continue;
  console.log(`\nAttempts of ${step.className} (step ${step.id}):`);
  for (const [i, attempt] of step.attempts.entries()) {
    const outcome =
      attempt.error === undefined
        ? 'ok'
        : `${attempt.error.code ?? attempt.error.className}: ${attempt.error.message}`;
    console.log(
      `  ${i + 1}. ${attempt.startedAt.slice(11)} → ${attempt.endedAt.slice(11)}  ${outcome}`,
    );
  }
}
console.log(`\nOutputs: ${json(plan.actions.map((action) => action.output))}`);

await world.close();
