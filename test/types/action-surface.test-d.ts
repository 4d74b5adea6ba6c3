/**
 * Types of the Action surface: `this.context` (FlowlineContext, World<C>),
 * Standard Schema inference (`withSchemas`, `InputOf` / `OutputOf` of a class with schemas), and the
 * typed statics (a misspelt or mistyped static does not compile).
 */
import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type {
  FlowlineContext,
  InputOf,
  MiddlewareContext,
  OutputOf,
  Planned,
  StandardSchemaV1,
} from '../../src/index.js';
import { Action, World, withSchemas } from '../../src/index.js';

describe('this.context', () => {
  // Declaration merging is tested on a program of its own (context-merging.test.ts): an
  // augmentation here would be seen by every file tsc checks with this one.
  it('is FlowlineContext in every phase and in middleware', () => {
    class Notify extends Action {
      run() {
        expectTypeOf(this.context).toEqualTypeOf<FlowlineContext>();
      }
    }
    expectTypeOf<Notify['context']>().toEqualTypeOf<FlowlineContext>();
    expectTypeOf<MiddlewareContext['context']>().toEqualTypeOf<FlowlineContext>();
  });

  it('Action<I, O, C> types this.context with C, for worlds typed World<C>', () => {
    interface Services {
      readonly payments: { charge(cents: number): Promise<string> };
    }
    class Charge extends Action<{ cents: number }, { chargeId: string }, Services> {
      async run() {
        expectTypeOf(this.context).toEqualTypeOf<Services>();
        this.output.chargeId = await this.context.payments.charge(this.input.cents);
      }
    }
    const world = new World<Services>({
      actions: [Charge],
      context: { payments: { charge: async () => 'ch_1' } },
    });
    world.trigger(Charge, { cents: 100 });
    expectTypeOf<InputOf<Charge>>().toEqualTypeOf<{ cents: number }>();
  });

  it('World<C> types the context option with C', () => {
    interface Services {
      readonly db: { query(sql: string): Promise<unknown[]> };
    }
    const db = { query: async () => [] };
    new World<Services>({ context: { db } });
    // @ts-expect-error the context lacks db
    new World<Services>({ context: {} });
    // @ts-expect-error not an object
    new World<Services>({ context: 5 });
  });
});

const ChargeInput = z.object({
  orderId: z.string(),
  cents: z.number().int(),
  currency: z.string().default('EUR'),
});
const ChargeOutput = v.object({ chargeId: v.string() });

describe('Standard Schema inference', () => {
  it('withSchemas types this.input, this.output, planSelf and Planned from the schemas (zod and valibot)', () => {
    class Charge extends withSchemas({ input: ChargeInput, output: ChargeOutput }) {
      run() {
        expectTypeOf(this.input).toEqualTypeOf<
          Readonly<{ orderId: string; cents: number; currency: string }>
        >();
        expectTypeOf(this.output).toEqualTypeOf<{ chargeId: string }>();
        // @ts-expect-error chargeId is a string
        this.output.chargeId = 5;
      }
    }
    expectTypeOf<InputOf<Charge>>().toEqualTypeOf<{
      orderId: string;
      cents: number;
      currency: string;
    }>();
    expectTypeOf<OutputOf<Charge>>().toEqualTypeOf<{ chargeId: string }>();
    expectTypeOf<Planned<Charge>['output']['chargeId']>().toExtend<string>();
    expectTypeOf(Charge.input).toEqualTypeOf(ChargeInput);
  });

  it('InputOf / OutputOf of a class read its static schemas when its generics are not given', () => {
    class Charge extends Action {
      static override input = ChargeInput;
      static override output = ChargeOutput;
      run() {}
    }
    expectTypeOf<InputOf<typeof Charge>>().toEqualTypeOf<
      StandardSchemaV1.InferOutput<typeof ChargeInput>
    >();
    expectTypeOf<OutputOf<typeof Charge>>().toEqualTypeOf<{ chargeId: string }>();
    expectTypeOf(Charge.output).toEqualTypeOf(ChargeOutput);
    // Without schemas, the class's generics.
    class Plain extends Action<{ a: number }, { b: string }> {}
    expectTypeOf<InputOf<typeof Plain>>().toEqualTypeOf<{ a: number }>();
    expectTypeOf<OutputOf<typeof Plain>>().toEqualTypeOf<{ b: string }>();
    expectTypeOf<InputOf<Plain>>().toEqualTypeOf<{ a: number }>();
  });

  it('zod and valibot schemas are Standard Schemas', () => {
    expectTypeOf(ChargeInput).toExtend<StandardSchemaV1>();
    expectTypeOf(ChargeOutput).toExtend<StandardSchemaV1>();
    expectTypeOf<StandardSchemaV1.InferInput<typeof ChargeInput>>().toEqualTypeOf<{
      orderId: string;
      cents: number;
      currency?: string | undefined;
    }>();
  });
});

describe('typed statics', () => {
  it('the statics are declared on Action with their types', () => {
    class Provision extends Action {
      static override timeout = 5000;
      static override retry = { retries: 3, minTimeout: 1000, factor: 2 };
      static override singleton = true;
      static override idempotent = true;
      static override actionName = 'provision';
      static override input = ChargeInput;
      static override output = ChargeOutput;
      static override middleware = Action.middleware.use({ name: 'noop' });
      static override subscribe() {
        return Provision;
      }
    }
    expectTypeOf(Action.timeout).toEqualTypeOf<number | undefined>();
    expectTypeOf(Provision.timeout).toEqualTypeOf<number>();
  });

  it('a misspelt static does not compile under noImplicitOverride', () => {
    class Misspelt extends Action {
      // @ts-expect-error tiemout is not a static of Action: override names a member that does not exist
      static override tiemout = 5;
    }
    expectTypeOf(Misspelt).toBeObject();
  });

  it('a static of the wrong type does not compile', () => {
    // @ts-expect-error timeout is a number
    class WrongTimeout extends Action {
      static override timeout = '5s';
    }
    // @ts-expect-error retry needs retries (minTimout is a typo of minTimeout)
    class WrongRetry extends Action {
      static override retry = { minTimout: 1 };
    }
    // @ts-expect-error singleton is a boolean
    class WrongSingleton extends Action {
      static override singleton = 'yes';
    }
    // @ts-expect-error input is a Standard Schema
    class WrongInput extends Action {
      static override input = { orderId: 'string' };
    }
    expectTypeOf([WrongTimeout, WrongRetry, WrongSingleton, WrongInput]).toBeArray();
  });

  it('a static without override is refused (noImplicitOverride)', () => {
    class NoOverride extends Action {
      // @ts-expect-error overriding a static of Action needs the override modifier
      static timeout = 5;
    }
    expectTypeOf(NoOverride).toBeObject();
  });
});
