import { describe, expectTypeOf, it } from 'vitest';
import type {
  ExecutionPlan,
  PlanFilter,
  Triggered,
  TriggerOptions,
  World,
} from '../../src/index.js';
import { Action } from '../../src/index.js';

class Charge extends Action<{ orderId: string; cents: number }> {
  override plan(orderId: string, cents: number) {
    this.planSelf({ orderId, cents });
  }
  run() {}
}

declare const world: World;

describe('world.triggerWith', () => {
  it('takes the options, then the action and its plan arguments, and returns a Triggered', () => {
    const triggered = world.triggerWith({ idempotencyKey: 'req-1' }, Charge, 'order-17', 1999);
    expectTypeOf(triggered).toEqualTypeOf<Triggered>();
    expectTypeOf(triggered.id).toEqualTypeOf<string>();
    expectTypeOf(triggered.finished).toEqualTypeOf<Promise<ExecutionPlan>>();
    world.triggerWith({ id: 'order-17', idempotencyKey: 'k', label: 'charge 17' }, Charge, 'o', 1);
    world.triggerWith({}, Charge, 'o', 1);
  });

  it('checks the plan arguments against the action', () => {
    // @ts-expect-error: cents must be a number
    world.triggerWith({ id: 'a' }, Charge, 'order-17', '1999');
    // @ts-expect-error: the arguments are missing
    world.triggerWith({ id: 'a' }, Charge);
  });

  it('refuses options it does not have and values of the wrong type', () => {
    // @ts-expect-error: a misspelt option
    world.triggerWith({ idempotencykey: 'k' }, Charge, 'o', 1);
    // @ts-expect-error: ids are strings
    world.triggerWith({ id: 17 }, Charge, 'o', 1);
    expectTypeOf<TriggerOptions>().toEqualTypeOf<{
      readonly id?: string;
      readonly idempotencyKey?: string;
      readonly label?: string;
    }>();
  });

  it('finds plans by key, and plans carry their key', () => {
    const filter: PlanFilter = { idempotencyKey: 'req-1' };
    expectTypeOf(world.executionPlans(filter)).toEqualTypeOf<Promise<ExecutionPlan[]>>();
    expectTypeOf<ExecutionPlan['idempotencyKey']>().toEqualTypeOf<string | undefined>();
  });
});
