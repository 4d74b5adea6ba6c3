/**
 * Events by name: a step waits for the carrier's webhook with `suspend({ waitFor })`, and the
 * webhook handler delivers it with `world.send(planId, name, payload)`, knowing only the order's
 * plan id and what happened — not which step waits.
 *
 * Three orders are shipped (a carrier webhook is simulated in-process, no network):
 *
 * 1. the carrier confirms the shipment after the step started waiting;
 * 2. the carrier is quicker than us: its notice arrives before the step waits for it. The notice
 *    is kept and delivered as soon as the step waits;
 * 3. the carrier never answers: the wait times out after its `timeoutMs` and `run` receives a
 *    timeout event (`Action.isTimeout`).
 *
 * Run it with `npx tsx examples/events-by-name.ts`.
 */
import type { JsonValue, SuspendedAction } from '../src/index.js';
import { Action, World } from '../src/index.js';
import { stopwatch } from './format.js';

const elapsed = stopwatch();

/** What the carrier posts to our webhook once the parcel left the warehouse. */
interface ShipmentNotice {
  readonly tracking: string;
}

/**
 * A stand-in for the carrier's API and its webhook. In a real app `notify` is an HTTP POST to
 * `callbackUrl`, and the handler calls `world.send(planId, 'carrier.shipped', body)`.
 */
class Carrier {
  /** Books a pickup; the carrier will call back `delayMs` later (never, when `undefined`). */
  bookPickup(callbackUrl: string, delayMs: number | undefined): void {
    console.log(`${elapsed()}  [carrier] pickup booked, will call ${callbackUrl}`);
    if (delayMs === undefined) return;
    setTimeout(() => {
      void this.webhook(callbackUrl, { tracking: `TRK-${Math.floor(Math.random() * 1e6)}` });
    }, delayMs);
  }

  /** Our webhook handler: POST /carrier/:planId → world.send. */
  async webhook(callbackUrl: string, notice: ShipmentNotice): Promise<void> {
    const planId = callbackUrl.split('/')[2] as string;
    console.log(`${elapsed()}  [webhook] ${callbackUrl} ← ${JSON.stringify(notice)}`);
    await world.send(planId, 'carrier.shipped', { tracking: notice.tracking });
  }
}

const carrier = new Carrier();

/** Books the pickup; in order 2 the carrier answers before we even wait (see Ship). */
class BookPickup extends Action<{ order: string; carrierDelayMs?: number }> {
  run(): void {
    // this.executionPlanId is readable in run(): the callback URL names the plan.
    carrier.bookPickup(`/carrier/${this.executionPlanId}`, this.input.carrierDelayMs);
  }
}

/** Holds the plan back before Ship (order 2: the notice arrives while this step waits). */
const holds: SuspendedAction[] = [];
class PackParcel extends Action<{ order: string; slow: boolean }> {
  run(event?: JsonValue): void {
    if (event === undefined && this.input.slow) this.suspend((handle) => holds.push(handle));
  }
}

/** Waits for the carrier's shipment notice, for at most `timeoutMs`. */
class Ship extends Action<
  { order: string; timeoutMs: number },
  { tracking?: string; late?: true }
> {
  run(event?: JsonValue): void {
    if (event === undefined) {
      console.log(
        `${elapsed()}  ${this.input.order}: step ${this.stepId} waits for carrier.shipped`,
      );
      this.suspend({ waitFor: 'carrier.shipped', timeoutMs: this.input.timeoutMs });
    }
    if (Action.isTimeout(event)) {
      console.log(`${elapsed()}  ${this.input.order}: no word from the carrier, flag it`);
      this.output.late = true;
      return;
    }
    this.output.tracking = (event as unknown as ShipmentNotice).tracking;
    console.log(`${elapsed()}  ${this.input.order}: shipped, tracking ${this.output.tracking}`);
  }
}

class FulfilOrder extends Action {
  override plan(order: string, carrierDelayMs: number | undefined, slowPacking = false): void {
    this.sequence(() => {
      this.planAction(
        BookPickup,
        carrierDelayMs === undefined ? { order } : { order, carrierDelayMs },
      );
      this.planAction(PackParcel, { order, slow: slowPacking });
      this.planAction(Ship, { order, timeoutMs: 600 });
    });
  }
}

const world = new World({ actions: [FulfilOrder, BookPickup, PackParcel, Ship] });
await world.start();
try {
  const onTime = world.trigger(FulfilOrder, 'order-1', 100);
  const early = world.trigger(FulfilOrder, 'order-2', 50, true);
  const silent = world.trigger(FulfilOrder, 'order-3', undefined);

  // Order 2: packing is slow. The carrier's notice arrives while PackParcel is still suspended;
  // nobody waits for carrier.shipped yet, so world.send keeps it. Packing ends at 300 ms, Ship
  // waits, and gets the kept notice at once.
  setTimeout(() => {
    console.log(`${elapsed()}  order-2: parcel packed`);
    void holds[0]?.event('packed');
  }, 300);

  for (const triggered of [onTime, early, silent]) {
    const plan = await triggered.finished;
    const ship = plan.actions.find((action) => action.className === 'Ship');
    console.log(`${JSON.stringify(ship?.input.order)}: ${plan.state}/${plan.result}`, ship?.output);
  }
} finally {
  await world.close();
}
