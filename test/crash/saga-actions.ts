/**
 * A saga for the rollback crash test: book → pay → hotel → a step that fails with rescue strategy
 * `rollback`. The rollback compensates hotel, then pay, then book; in the worker process
 * (FLOWLINE_CRASH_BLOCK=1) pay's compensation blocks, and the worker is killed there.
 */
import type { RescueStrategy } from '../../src/index.js';
import { Action } from '../../src/index.js';
import { block, note } from './actions.js';

/** Compensated after the interruption: must be undone exactly once. */
export class Book extends Action {
  run() {
    note('run', this);
  }
  compensate() {
    note('undo', this);
  }
}

/** Its compensation is interrupted by the kill; safe to run again. */
export class IdempotentPay extends Action {
  static override readonly idempotent = true;
  run() {
    note('run', this);
  }
  async compensate() {
    note('undo-start', this);
    await block(this);
    note('undo', this);
  }
}

/** Its compensation is interrupted by the kill; not safe to run again without an operator. */
export class FragilePay extends Action {
  run() {
    note('run', this);
  }
  async compensate() {
    note('undo-start', this);
    await block(this);
    note('undo', this);
  }
}

/** Compensated before the interruption: must never be undone again. */
export class Hotel extends Action {
  run() {
    note('run', this);
  }
  compensate() {
    note('undo', this);
  }
}

/** Fails, and asks for the plan to be rolled back. */
export class Overbooked extends Action {
  run() {
    note('run', this);
    throw new Error('the flight is overbooked');
  }
  override rescueStrategy(): RescueStrategy {
    return 'rollback';
  }
}

/** book → pay → hotel → overbooked. */
export class Trip extends Action {
  override plan(kind: 'idempotent' | 'fragile') {
    this.sequence(() => {
      this.planAction(Book);
      this.planAction(kind === 'idempotent' ? IdempotentPay : FragilePay);
      this.planAction(Hotel);
      this.planAction(Overbooked);
    });
  }
}

export const sagaActions = [Book, IdempotentPay, FragilePay, Hotel, Overbooked, Trip];
