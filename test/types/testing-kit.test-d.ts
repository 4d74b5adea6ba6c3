import { describe, expectTypeOf, it } from 'vitest';
import { Action } from '../../src/index.js';
import type { ExecutionPlan, ExecuteOptions, World } from '../../src/index.js';
import { testAction } from '../../src/testing/index.js';
import type { ActionTest, CallResult } from '../../src/testing/index.js';

class Greet extends Action<{ name: string }, { greeting?: string }> {
  run() {
    this.output.greeting = `hello ${this.input.name}`;
  }
}

describe('testAction and the wait option: types', () => {
  it('takes the action’s input type and gives its output type', () => {
    const harness = testAction(Greet, { input: { name: 'Ada' } });
    expectTypeOf(harness).toEqualTypeOf<ActionTest<Greet>>();
    expectTypeOf(harness.output).toEqualTypeOf<Readonly<{ greeting?: string }>>();
    expectTypeOf(harness.run()).toEqualTypeOf<Promise<CallResult<{ greeting?: string }>>>();
    // @ts-expect-error the input of Greet has a string name
    testAction(Greet, { input: { name: 1 } });
    // @ts-expect-error no such option
    testAction(Greet, { inputs: {} });
  });

  it('resume and execute take { wait?: boolean }', () => {
    expectTypeOf<World['resume']>().parameter(1).toEqualTypeOf<ExecuteOptions | undefined>();
    expectTypeOf<World['execute']>().returns.toEqualTypeOf<Promise<ExecutionPlan>>();
    expectTypeOf<ExecuteOptions>().toEqualTypeOf<{ readonly wait?: boolean }>();
  });
});
