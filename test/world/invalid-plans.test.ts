import { describe, expect, it } from 'vitest';
import { Action, FlowlineError, MemoryAdapter, World, silentLogger } from '../../src/index.js';

class Known extends Action {
  run() {
    this.output.ok = true;
  }
}

class Departed extends Action {
  run() {}
}

async function rejection(promise: Promise<unknown>): Promise<FlowlineError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FlowlineError);
    return error as FlowlineError;
  }
  throw new Error('expected a rejection');
}

describe('stored plans this world cannot execute are shown as invalid, and the world keeps working', () => {
  it('a plan naming an action class that is not registered', async () => {
    const adapter = new MemoryAdapter();
    const planner = new World({
      adapter,
      actions: [Departed],
      executor: false,
      logger: silentLogger,
    });
    await planner.start();
    const planned = await planner.plan(Departed);
    await planner.close();

    const world = new World({ adapter, actions: [Known], logger: silentLogger });
    await world.start();
    try {
      const plan = await world.executionPlan(planned.id);
      expect(plan?.invalid?.code).toBe('ACTION_NOT_REGISTERED');
      expect(plan?.invalid?.message).toContain('"Departed"');
      const listed = await world.executionPlans();
      expect(listed.find((p) => p.id === planned.id)?.invalid?.code).toBe('ACTION_NOT_REGISTERED');
      const error = await rejection(world.execute(planned.id));
      expect(error.code).toBe('ACTION_NOT_REGISTERED');
      const ok = await world.trigger(Known).finished;
      expect(ok.result).toBe('success');
      expect((await world.executionPlan(planned.id))?.state).toBe('planned');
    } finally {
      await world.close();
    }
  });

  it('a plan stored by a newer Flowline (a higher schemaVersion)', async () => {
    const adapter = new MemoryAdapter();
    const world = new World({ adapter, actions: [Known], logger: silentLogger });
    await world.start();
    try {
      const planned = await world.plan(Known);
      const stored = await adapter.loadPlan(planned.id);
      await adapter.write({ plans: [{ ...stored!.plan, schemaVersion: 99 }] });
      const plan = await world.executionPlan(planned.id);
      expect(plan?.invalid?.code).toBe('INVALID_PLAN');
      expect(plan?.invalid?.message).toMatch(/newer Flowline \(schema version 99/);
      const error = await rejection(world.execute(planned.id));
      expect(error.code).toBe('INVALID_PLAN');
      expect((await world.trigger(Known).finished).result).toBe('success');
    } finally {
      await world.close();
    }
  });
});
