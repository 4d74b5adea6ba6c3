/**
 * Property: `world.rollback` given anything that is not the id of a plan it can roll back refuses
 * with a documented code (`INVALID_ARGUMENT` for what is not a plan id, `PLAN_NOT_FOUND` for an
 * unknown one), never a raw error, and changes nothing: a paused plan next to it stays paused,
 * with no compensate step.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Action, FlowlineError, MemoryAdapter, silentLogger } from '../../src/index.js';
import { withWorld } from '../helpers/world.js';

let undone = 0;
class Undoable extends Action {
  run(): void {}
  compensate(): void {
    undone++;
  }
}
class Fails extends Action {
  run(): void {
    throw new Error('failing on purpose');
  }
}
class Saga extends Action {
  override plan(): void {
    this.sequence(() => {
      this.planAction(Undoable);
      this.planAction(Fails);
    });
  }
}

const badId: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 2, withBigInt: true, withDate: true, withMap: true, withSet: true }),
  fc.constantFrom('', '\u0000', 'a\u0000b', '\uD800', 'x\uDFFF', '__proto__', ' '),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.uuid(),
);

describe('world.rollback arguments', () => {
  it('refuses a bad or unknown plan id with a documented code and changes nothing', async () => {
    await withWorld(
      { adapter: new MemoryAdapter(), actions: [Saga, Undoable, Fails], logger: silentLogger },
      async (world) => {
        const paused = await world.trigger(Saga).finished;
        expect(paused.state).toBe('paused');
        await fc.assert(
          fc.asyncProperty(badId, async (id) => {
            fc.pre(id !== paused.id);
            let error: unknown;
            try {
              await world.rollback(id as string);
            } catch (thrown) {
              error = thrown;
            }
            expect(error).toBeInstanceOf(FlowlineError);
            const code = (error as FlowlineError).code;
            expect(['INVALID_ARGUMENT', 'PLAN_NOT_FOUND']).toContain(code);
            if (typeof id !== 'string' || id === '') expect(code).toBe('INVALID_ARGUMENT');
          }),
          { numRuns: 300, seed: 41 },
        );
        const after = await world.executionPlan(paused.id);
        expect(after?.state).toBe('paused');
        expect(after?.steps.some((step) => step.phase === 'compensate')).toBe(false);
        expect(undone).toBe(0);
      },
    );
  });
});
