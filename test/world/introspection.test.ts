import { describe, expect, it } from 'vitest';
import { Action, ErrorCode, MemoryAdapter, World, silentLogger } from '../../src/index.js';
import { expectFlowlineError, rejectionOf, withWorld } from '../helpers/world.js';

class Noop extends Action {
  run(): void {}
}

describe('world.chainedPlans', () => {
  it('names the plans a chained plan waits for and the plans waiting for a prerequisite', async () => {
    await withWorld({ actions: [Noop], logger: silentLogger }, async (world) => {
      const first = await world.plan(Noop);
      const second = await world.plan(Noop);
      const chained = await world.chain([first.id, second.id], Noop);

      expect(await world.chainedPlans(chained.id)).toEqual({
        prerequisites: expect.arrayContaining([first.id, second.id]) as unknown,
        dependents: [],
      });
      expect(await world.chainedPlans(first.id)).toEqual({
        prerequisites: [],
        dependents: [chained.id],
      });
    });
  });

  it('refuses an unknown plan with PLAN_NOT_FOUND', async () => {
    await withWorld({ actions: [Noop], logger: silentLogger }, async (world) => {
      const error = expectFlowlineError(
        await rejectionOf(world.chainedPlans('no-such-plan')),
        ErrorCode.PLAN_NOT_FOUND,
      );
      expect(error.message).toContain('no-such-plan');
    });
  });
});

describe('world.worlds', () => {
  it('lists every world registered in the store, this one included', async () => {
    const adapter = new MemoryAdapter();
    const client = new World({ adapter, executor: false, logger: silentLogger });
    await withWorld({ adapter, actions: [Noop], logger: silentLogger }, async (world) => {
      await client.start();
      try {
        const listed = await world.worlds();
        expect(listed.map((record) => record.id).sort()).toEqual([client.id, world.id].sort());
        const own = listed.find((record) => record.id === world.id);
        expect(own?.executor).toBe(true);
        expect(listed.find((record) => record.id === client.id)?.executor).toBe(false);
      } finally {
        await client.close();
      }
    });
  });

  it('refuses to answer before start() with WORLD_NOT_STARTED', async () => {
    const world = new World({ logger: silentLogger });
    expectFlowlineError(await rejectionOf(world.worlds()), ErrorCode.WORLD_NOT_STARTED);
  });
});
