/**
 * Validated input and output: `static input` / `static output` take any Standard Schema. Planning
 * checks the input given to `planSelf` (a mismatch is a planning error on that action's plan step,
 * `INVALID_INPUT`, with the issues listed); the output is checked when `run` ends (not when it
 * suspends), and a mismatch fails the run step (`INVALID_OUTPUT`). Each scenario runs with two real
 * libraries, zod and valibot.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as v from 'valibot';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JsonValue, StandardSchemaV1 } from '../../src/index.js';
import { Action, ErrorCode, silentLogger, withSchemas } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { nextEvent, stepOf, withWorld } from '../helpers/world.js';

/** The same schemas written with each library. */
interface Library {
  readonly name: string;
  /** `{ orderId: string, cents: positive integer, currency: string = 'EUR' }` */
  readonly charge: StandardSchemaV1;
  /** `{ chargeId: string (trimmed), receipt: string }` */
  readonly receipt: StandardSchemaV1;
  /** `{ orderId: string }` where the order id is checked by an async lookup */
  readonly asyncOrder: (exists: (id: string) => Promise<boolean>) => StandardSchemaV1;
  /** `{ label: string }` */
  readonly label: StandardSchemaV1;
}

const libraries: Library[] = [
  {
    name: 'zod',
    charge: z.object({
      orderId: z.string(),
      cents: z.number().int().positive(),
      currency: z.string().default('EUR'),
    }),
    receipt: z.object({ chargeId: z.string().trim(), receipt: z.string() }),
    asyncOrder: (exists) =>
      z.object({ orderId: z.string().refine(exists, { message: 'no such order' }) }),
    label: z.object({ label: z.string() }),
  },
  {
    name: 'valibot',
    charge: v.object({
      orderId: v.string(),
      cents: v.pipe(v.number(), v.integer(), v.minValue(1)),
      currency: v.optional(v.string(), 'EUR'),
    }),
    receipt: v.object({ chargeId: v.pipe(v.string(), v.trim()), receipt: v.string() }),
    asyncOrder: (exists) =>
      v.objectAsync({ orderId: v.pipeAsync(v.string(), v.checkAsync(exists, 'no such order')) }),
    label: v.object({ label: v.string() }),
  },
];

describe.each(libraries)('static input / static output with $name', (lib) => {
  it('planning an input that does not match static input fails that action’s plan step with INVALID_INPUT listing each issue; nothing runs', async () => {
    let charged = 0;
    class Charge extends Action {
      static override input = lib.charge;
      run() {
        charged++;
      }
    }
    class Order extends Action {
      override plan() {
        this.planAction(Charge, { orderId: 42, cents: -5 });
      }
    }
    await withWorld({ actions: [Charge, Order], logger: silentLogger }, async (world) => {
      const plan = await world.trigger(Order).finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('error');
      const error = stepOf(plan, 'Charge', 'plan').error;
      expect(error?.code).toBe(ErrorCode.INVALID_INPUT);
      expect(error?.message).toContain('input of Charge (action 2) does not match');
      expect(error?.message).toContain('orderId: ');
      expect(error?.message).toContain('cents: ');
      const issues = error?.details?.issues ?? [];
      expect(issues.map((issue) => issue.path)).toEqual([['orderId'], ['cents']]);
      for (const issue of issues) expect(issue.message).not.toBe('');
      expect(stepOf(plan, 'Order', 'plan').error?.code).toBe(ErrorCode.PLANNING_ABORTED);
    });
    expect(charged).toBe(0);
  });

  it('a plan() that catches the INVALID_INPUT error cannot hide it: the plan still fails', async () => {
    class Charge extends Action {
      static override input = lib.charge;
      override plan() {
        try {
          this.planSelf({ orderId: 'o-1', cents: 0 });
        } catch {
          // swallowed on purpose
        }
      }
      run() {}
    }
    await withWorld({ actions: [Charge], logger: silentLogger }, async (world) => {
      const plan = await world.trigger(Charge).finished;
      expect(plan.result).toBe('error');
      expect(stepOf(plan, 'Charge', 'plan').error?.code).toBe(ErrorCode.INVALID_INPUT);
    });
  });

  it('a valid input is stored as the schema outputs it: defaults filled in, and run reads them', async () => {
    let read: unknown;
    class Charge extends Action {
      static override input = lib.charge;
      run() {
        read = this.input;
      }
    }
    await withWorld({ actions: [Charge], logger: silentLogger }, async (world) => {
      const plan = await world.trigger(Charge, { orderId: 'o-1', cents: 1250 }).finished;
      expect(plan.result).toBe('success');
      const expected = { orderId: 'o-1', cents: 1250, currency: 'EUR' };
      expect(plan.actions[0]?.input).toEqual(expected);
      expect(read).toEqual(expected);
    });
  });

  it('an async schema is awaited before the plan phase ends: a mismatch is a planning error, a match plans', async () => {
    const known = new Set(['o-1']);
    class Lookup extends Action {
      static override input = lib.asyncOrder(async (id) => known.has(id));
      run() {}
    }
    await withWorld({ actions: [Lookup], logger: silentLogger }, async (world) => {
      const refused = await world.trigger(Lookup, { orderId: 'o-404' }).finished;
      expect(refused.state).toBe('stopped');
      const error = stepOf(refused, 'Lookup', 'plan').error;
      expect(error?.code).toBe(ErrorCode.INVALID_INPUT);
      expect(error?.details?.issues).toEqual([{ path: ['orderId'], message: 'no such order' }]);
      expect(refused.steps.filter((step) => step.phase === 'run')[0]?.state).toBe('pending');

      const accepted = await world.trigger(Lookup, { orderId: 'o-1' }).finished;
      expect(accepted.result).toBe('success');
    });
  });

  it('an output that does not match static output when run ends fails the run step with INVALID_OUTPUT, and the rescue strategy applies', async () => {
    class Pay extends Action<Record<string, unknown>, { chargeId?: unknown }> {
      static override output = lib.receipt;
      run() {
        this.output.chargeId = 7;
      }
    }
    class PayOrSkip extends Pay {
      static override actionName = 'PayOrSkip';
      override rescueStrategy() {
        return 'skip' as const;
      }
    }
    await withWorld({ actions: [Pay, PayOrSkip], logger: silentLogger }, async (world) => {
      const paused = await world.trigger(Pay).finished;
      expect(paused.state).toBe('paused');
      const error = stepOf(paused, 'Pay', 'run').error;
      expect(error?.code).toBe(ErrorCode.INVALID_OUTPUT);
      expect(error?.message).toContain('output of Pay (action 1) does not match');
      expect(error?.details?.issues?.map((issue) => issue.path)).toEqual([
        ['chargeId'],
        ['receipt'],
      ]);
      // The output that failed is not kept: the step keeps the last committed one.
      expect(paused.actions[0]?.output).toEqual({});

      const skipped = await world.trigger(PayOrSkip).finished;
      expect(skipped.state).toBe('stopped');
      expect(skipped.result).toBe('warning');
    });
  });

  it('a suspension is not the end of run: the output is checked only once run ends, and stored as the schema outputs it', async () => {
    class AwaitCarrier extends Action<
      Record<string, unknown>,
      { chargeId?: string; receipt?: string }
    > {
      static override output = lib.receipt;
      run(event?: JsonValue) {
        if (event === undefined) {
          this.output.chargeId = '  ch_1  ';
          this.suspend();
        }
        this.output.receipt = (event as { receipt: string }).receipt;
      }
    }
    await withWorld({ actions: [AwaitCarrier], logger: silentLogger }, async (world) => {
      const suspended = nextEvent(world, 'step:state', (event) => event.state === 'suspended');
      const triggered = world.trigger(AwaitCarrier);
      const { stepId } = await suspended;
      await world.event(triggered.id, stepId, { receipt: 'r-9' });
      const plan = await triggered.finished;
      expect(plan.result).toBe('success');
      expect(plan.actions[0]?.output).toEqual({ chargeId: 'ch_1', receipt: 'r-9' });
    });
  });

  it('a value taken from another action’s output is checked when the run step starts, as it was unknown at planning', async () => {
    class Name extends Action<Record<string, never>, { label: string }> {
      run() {
        // Not what the type says: the schema of Print catches it.
        (this.output as { label: unknown }).label = 404;
      }
    }
    let printed = 0;
    class Print extends Action<{ label: string }> {
      static override input = lib.label;
      run() {
        printed++;
      }
    }
    class Flow extends Action {
      override plan() {
        this.sequence(() => {
          const named = this.planAction(Name, {});
          this.planAction(Print, { label: named.output.label });
        });
      }
    }
    await withWorld({ actions: [Name, Print, Flow], logger: silentLogger }, async (world) => {
      const plan = await world.trigger(Flow).finished;
      expect(stepOf(plan, 'Print', 'plan').state).toBe('success');
      expect(plan.state).toBe('paused');
      const error = stepOf(plan, 'Print', 'run').error;
      expect(error?.code).toBe(ErrorCode.INVALID_INPUT);
      expect(error?.details?.issues?.[0]?.path).toEqual(['label']);
    });
    expect(printed).toBe(0);
  });

  it('withSchemas makes the schemas the statics and types the action from them', async () => {
    class Charge extends withSchemas({ input: lib.charge, output: lib.receipt }) {
      run() {
        this.output.chargeId = 'ch_2';
        this.output.receipt = 'r';
      }
    }
    expect(Charge.input).toBe(lib.charge);
    expect(Charge.output).toBe(lib.receipt);
    await withWorld({ actions: [Charge], logger: silentLogger }, async (world) => {
      const bad = await world.trigger(Charge, { orderId: 'o-1', cents: 1.5 }).finished;
      expect(stepOf(bad, 'Charge', 'plan').error?.code).toBe(ErrorCode.INVALID_INPUT);
      const good = await world.trigger(Charge, { orderId: 'o-1', cents: 150 }).finished;
      expect(good.result).toBe('success');
    });
  });
});

describe('schemas that misbehave', () => {
  /** A Standard Schema whose validate does what `validate` says. */
  function schemaDoing(validate: (value: unknown) => unknown): StandardSchemaV1 {
    return {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: validate as StandardSchemaV1.Props['validate'],
      },
    };
  }

  it.each([
    [
      'throws',
      () => {
        throw new Error('validator crashed');
      },
      'validator crashed',
    ],
    ['returns null', () => null, "the schema's validate returned null"],
    ['returns a non-object value', () => ({ value: 5 }), 'not an object'],
    [
      'rejects',
      () => Promise.reject(new Error('async validator crashed')),
      'async validator crashed',
    ],
    ['returns issues that are not a list', () => ({ issues: 'bad' }), 'bad'],
  ])(
    'a schema whose validate %s fails the plan step with a readable error',
    async (_what, validate, says) => {
      class Odd extends Action {
        static override input = schemaDoing(validate);
        run() {}
      }
      await withWorld({ actions: [Odd], logger: silentLogger }, async (world) => {
        const plan = await world.trigger(Odd, { a: 1 }).finished;
        expect(plan.state).toBe('stopped');
        expect(plan.result).toBe('error');
        expect(stepOf(plan, 'Odd', 'plan').error?.message).toContain(says);
      });
    },
  );
});

describe('schema issues on a durable store', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-schemas-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('the issues of an INVALID_INPUT are stored with the step (SQLite) and read back by a new world', async () => {
    const filename = path.join(dir, 'plans.db');
    class Charge extends Action {
      static override input = libraries[0]?.charge;
      run() {}
    }
    const id = await withWorld(
      { adapter: new SqliteAdapter({ filename }), actions: [Charge], logger: silentLogger },
      async (world) => (await world.trigger(Charge, { orderId: 'o-1' }).finished).id,
    );
    await withWorld(
      { adapter: new SqliteAdapter({ filename }), actions: [Charge], logger: silentLogger },
      async (world) => {
        const plan = await world.executionPlan(id);
        const error = plan === undefined ? undefined : stepOf(plan, 'Charge', 'plan').error;
        expect(error?.code).toBe(ErrorCode.INVALID_INPUT);
        expect(error?.details?.issues?.map((issue) => issue.path)).toEqual([['cents']]);
      },
    );
  });
});
