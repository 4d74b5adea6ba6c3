/**
 * Property: the options of `world.resume` and `world.execute` are refused with INVALID_ARGUMENT
 * unless they are omitted or an object whose only field `wait` is a boolean (or undefined); valid
 * options go on to the plan's own checks. A refused call changes nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Action, FlowlineError, silentLogger } from '../../src/index.js';
import type { World } from '../../src/index.js';
import { withWorld } from '../helpers/world.js';

class Done extends Action {
  run(): void {}
}

/** Options that are valid: omitted, empty, or `wait` a boolean. */
function isValid(options: unknown): boolean {
  if (options === undefined) return true;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return false;
  const keys = Object.keys(options);
  if (keys.some((key) => key !== 'wait')) return false;
  const wait = (options as { wait?: unknown }).wait;
  return wait === undefined || typeof wait === 'boolean';
}

const optionsArbitrary = fc.oneof(
  fc.anything(),
  fc.record({ wait: fc.anything() }, { requiredKeys: [] }),
  fc.record({ wait: fc.boolean(), other: fc.anything() }),
  fc.constantFrom(
    undefined,
    {},
    { wait: true },
    { wait: false },
    { wait: 'false' },
    { wait: 0 },
    { wiat: false },
    [],
    null,
    'wait',
    Object.create(null) as object,
  ),
);

async function check(world: World, planId: string): Promise<void> {
  await fc.assert(
    fc.asyncProperty(optionsArbitrary, fc.constantFrom('resume', 'execute'), async (options, m) => {
      const call = (world[m] as (id: string, o: unknown) => Promise<unknown>).bind(world);
      const error = await call(planId, options).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FlowlineError);
      const code = (error as FlowlineError).code;
      // The plan is stopped: valid options reach the state check, invalid ones stop before it.
      expect(code, (error as Error).message).toBe(
        isValid(options) ? 'INVALID_PLAN_STATE' : 'INVALID_ARGUMENT',
      );
      if (code === 'INVALID_ARGUMENT') {
        expect((error as Error).message).toMatch(/^world\.(resume|execute): /);
      }
      const plan = await world.executionPlan(planId);
      expect([plan?.state, plan?.result]).toEqual(['stopped', 'success']);
    }),
    { numRuns: 200 },
  );
}

describe('resume and execute options (property)', () => {
  it('refuses malformed options with INVALID_ARGUMENT and changes nothing', async () => {
    await withWorld({ actions: [Done], logger: silentLogger }, async (world) => {
      const plan = await world.trigger(Done).finished;
      expect(plan.state).toBe('stopped');
      await check(world, plan.id);
    });
  });

  it('refuses options whose wait getter throws, naming the call', async () => {
    await withWorld({ actions: [Done], logger: silentLogger }, async (world) => {
      const plan = await world.trigger(Done).finished;
      const hostile = Object.defineProperty({}, 'wait', {
        enumerable: true,
        get() {
          throw new Error('the getter throws');
        },
      });
      const error = await world.resume(plan.id, hostile).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FlowlineError);
      expect((error as FlowlineError).code).toBe('INVALID_ARGUMENT');
      expect((error as Error).message).toMatch(
        /world\.resume: reading wait threw the getter throws/,
      );
    });
  });
});
