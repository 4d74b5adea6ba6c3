/**
 * Compensation (sagas): undoing what a plan already did when a later step fails.
 *
 * A trip is booked in four steps: reserve a seat, charge the card, book a hotel, issue the ticket.
 * Each action that changes the world outside defines `compensate()`, which undoes its own `run`.
 *
 * 1. By hand. Issuing the ticket fails and the plan pauses (the default rescue strategy). An
 *    operator decides the trip is off: `world.rollback(id)` runs the compensations of the steps
 *    that succeeded, latest first (hotel, charge, seat), each as a step of its own, and the plan
 *    ends `stopped` with result `cancelled`.
 * 2. A compensation that fails. The refund fails once and, after its `static retry`, pauses the
 *    rollback; `world.resume(id)` retries it and finishes the rollback.
 * 3. Automatically. An action whose `rescueStrategy()` returns `'rollback'` rolls the plan back as
 *    soon as it fails, without anyone stepping in.
 *
 * Run it with `npx tsx examples/compensation.ts`.
 */
import type { ExecutionPlan, RescueStrategy } from '../src/index.js';
import { Action, World } from '../src/index.js';

/** Simulated outside world: seats held, money taken, hotel rooms booked, a flaky refund API. */
const outside = {
  seats: new Set<string>(),
  charged: 0,
  rooms: new Set<string>(),
  refundFailures: 0,
  ticketing: 'down' as 'down' | 'rollback',
};

class ReserveSeat extends Action<{ flight: string }, { seat: string }> {
  run(): void {
    this.output.seat = `${this.input.flight}-12A`;
    outside.seats.add(this.output.seat);
  }
  compensate(): void {
    // `this.output` is what run committed, read-only here.
    outside.seats.delete(this.output.seat);
    this.log.info(`released seat ${this.output.seat}`);
  }
}

class ChargeCard extends Action<{ amount: number }, { chargeId: string }> {
  /** Applies to run and to compensate alike: a flaky refund is tried again. */
  static override retry = { retries: 1, minTimeout: 10 };

  run(): void {
    outside.charged += this.input.amount;
    this.output.chargeId = 'ch_42';
  }
  compensate(): void {
    if (outside.refundFailures > 0) {
      outside.refundFailures--;
      throw new Error('payment provider unavailable');
    }
    outside.charged -= this.input.amount;
    this.log.info(`refunded ${this.input.amount} on ${this.output.chargeId}`);
  }
}

class BookHotel extends Action<{ city: string }, { room: string }> {
  run(): void {
    this.output.room = `${this.input.city}-room-7`;
    outside.rooms.add(this.output.room);
  }
  compensate(): void {
    outside.rooms.delete(this.output.room);
  }
}

/** Fails; with `ticketing: 'rollback'` it asks for the plan to be rolled back by itself. */
class IssueTicket extends Action {
  run(): void {
    throw new Error('ticketing system down');
  }
  override rescueStrategy(): RescueStrategy {
    return outside.ticketing === 'rollback' ? 'rollback' : 'pause';
  }
}

class BookTrip extends Action {
  override plan(): void {
    this.sequence(() => {
      this.planAction(ReserveSeat, { flight: 'LH400' });
      this.planAction(ChargeCard, { amount: 300 });
      this.planAction(BookHotel, { city: 'Lisbon' });
      this.planAction(IssueTicket);
    });
  }
}

function summary(plan: ExecutionPlan): string {
  const compensations = plan.steps
    .filter((step) => step.phase === 'compensate')
    .map((step) => `${step.className}:${step.state}`);
  return (
    `${plan.state}/${plan.result}; compensations [${compensations.join(', ')}]; ` +
    `seats ${outside.seats.size}, charged ${outside.charged}, rooms ${outside.rooms.size}`
  );
}

const world = new World({ actions: [BookTrip, ReserveSeat, ChargeCard, BookHotel, IssueTicket] });
await world.start();
try {
  console.log('1. Rolling back a paused plan by hand');
  const paused = await world.trigger(BookTrip).finished;
  console.log(`   after the failure: ${summary(paused)}`);
  const rolledBack = await world.rollback(paused.id);
  console.log(`   after rollback:    ${summary(rolledBack)}`);
  const refund = rolledBack.steps.find(
    (step) => step.phase === 'compensate' && step.className === 'ChargeCard',
  );
  const log = await world.stepLog(rolledBack.id, refund?.id);
  console.log(`   the refund's step log: ${log.map((line) => line.message).join('; ')}`);

  console.log('\n2. A compensation that keeps failing pauses the rollback; resume finishes it');
  outside.refundFailures = 2; // the first attempt and its one retry fail
  const again = await world.trigger(BookTrip).finished;
  const stuck = await world.rollback(again.id);
  console.log(`   after rollback: ${summary(stuck)}`);
  const finished = await world.resume(stuck.id);
  console.log(`   after resume:   ${summary(finished)}`);

  console.log("\n3. rescueStrategy() 'rollback': the plan rolls itself back");
  outside.ticketing = 'rollback';
  const automatic = await world.trigger(BookTrip).finished;
  console.log(`   ${summary(automatic)}`);
} finally {
  await world.close();
}
