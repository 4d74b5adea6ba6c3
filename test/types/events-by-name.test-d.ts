import { describe, expectTypeOf, it } from 'vitest';
import type { JsonValue, StepWait, SuspendOptions, TimeoutEvent } from '../../src/index.js';
import type { World } from '../../src/index.js';
import { Action } from '../../src/index.js';

declare const world: World;

describe('events by name', () => {
  it('world.send takes a plan id, a name and a JSON payload, and resolves to nothing', () => {
    expectTypeOf(world.send('plan', 'carrier.shipped', { tracking: 'T' })).toEqualTypeOf<
      Promise<void>
    >();
    // @ts-expect-error a payload must be JSON
    void world.send('plan', 'carrier.shipped', new Map());
    // @ts-expect-error the name is a string
    void world.send('plan', 42, {});
  });

  it('suspend takes a callback, nothing, or { waitFor, timeoutMs? }, and never returns', () => {
    class Waits extends Action {
      run(event?: JsonValue) {
        expectTypeOf(this.stepId).toEqualTypeOf<number>();
        expectTypeOf(this.executionPlanId).toEqualTypeOf<string>();
        if (event === undefined) this.suspend({ waitFor: 'carrier.shipped', timeoutMs: 5000 });
        if (Action.isTimeout(event)) expectTypeOf(event).toExtend<TimeoutEvent>();
        // @ts-expect-error waitFor is required
        this.suspend({ timeoutMs: 5 });
        // @ts-expect-error a misspelt option is refused
        this.suspend({ waitFor: 'x', timeout: 5 });
      }
      withoutArguments(): never {
        return this.suspend();
      }
      withCallback(): never {
        return this.suspend((handle) => {
          expectTypeOf(handle.stepId).toEqualTypeOf<number>();
        });
      }
    }
    expectTypeOf(Waits).toBeConstructibleWith();
    expectTypeOf<SuspendOptions>().toEqualTypeOf<{
      readonly waitFor: string;
      readonly timeoutMs?: number;
    }>();
    expectTypeOf<StepWait['name']>().toEqualTypeOf<string>();
  });
});
