import { afterEach, describe, expect, it } from 'vitest';
import type { ActionClass, Logger, RescueStrategy, WorldOptions } from '../../src/index.js';
import { Action, MemoryAdapter, World, silentLogger } from '../../src/index.js';

const worlds: World[] = [];
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()));
});

async function startWorld(actions: ActionClass[], options: WorldOptions = {}): Promise<World> {
  const world = new World({ actions, logger: silentLogger, ...options });
  worlds.push(world);
  await world.start();
  return world;
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: () => {},
    info: () => {},
    warn: (message) => lines.push(`warn: ${message}`),
    error: (message) => lines.push(`error: ${message}`),
  };
}

describe('ParallelExecutor', () => {
  it('runs at most `concurrency` steps at once across a concurrence', async () => {
    let active = 0;
    let maxActive = 0;
    const gates: (() => void)[] = [];
    let onStart: (() => void) | undefined;
    class Gated extends Action<{ i: number }> {
      async run() {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise<void>((resolve) => {
          gates.push(resolve);
          onStart?.();
        });
        active--;
      }
    }
    class Fan extends Action {
      override plan() {
        for (let i = 0; i < 6; i++) this.planAction(Gated, { i });
      }
    }
    const world = await startWorld([Fan, Gated], { concurrency: 2 });
    const triggered = world.trigger(Fan);
    // release steps one by one, each time one has started
    for (let released = 0; released < 6; released++) {
      if (gates.length === 0) {
        await new Promise<void>((resolve) => {
          onStart = resolve;
        });
      }
      gates.shift()?.();
    }
    const plan = await triggered.finished;
    expect(plan.result).toBe('success');
    expect(maxActive).toBe(2);
  });

  it("commits a step's state and output before the next step of a sequence starts", async () => {
    const adapter = new MemoryAdapter();
    const seen: unknown[] = [];
    class First extends Action<object, { value: number }> {
      run() {
        this.output.value = 7;
      }
    }
    class Second extends Action {
      async run() {
        const stored = await adapter.loadPlan(this.executionPlanId);
        const first = stored?.actions.find((a) => a.className === 'First');
        seen.push(stored?.steps.find((s) => s.id === first?.runStepId)?.state, first?.output);
      }
    }
    class Both extends Action {
      override plan() {
        this.sequence(() => {
          this.planAction(First);
          this.planAction(Second);
        });
      }
    }
    const world = await startWorld([Both, First, Second], { adapter });
    expect((await world.trigger(Both).finished).result).toBe('success');
    expect(seen).toEqual(['success', { value: 7 }]);
  });

  it('a suspended step does not hold a worker', async () => {
    class Waits extends Action<object, { got?: unknown }> {
      run(event?: unknown) {
        if (event === undefined) this.suspend();
        this.output.got = event;
      }
    }
    class Other extends Action {
      run() {}
    }
    class Root extends Action {
      override plan() {
        this.sequence(() => {
          this.planAction(Waits);
        });
        this.planAction(Other);
      }
    }
    const world = await startWorld([Root, Waits, Other], { concurrency: 1 });
    const otherDone = new Promise<void>((resolve) => {
      world.on('step:state', (e) => {
        if (e.actionId === 3 && e.phase === 'run' && e.state === 'success') resolve();
      });
    });
    const suspended = new Promise<number>((resolve) => {
      world.on('step:state', (e) => {
        if (e.state === 'suspended') resolve(e.stepId);
      });
    });
    const triggered = world.trigger(Root);
    const stepId = await suspended;
    await otherDone;
    await world.event(triggered.id, stepId, 'wake');
    const plan = await triggered.finished;
    expect(plan.result).toBe('success');
    expect(plan.actions[1]?.output).toEqual({ got: 'wake' });
  });

  it('skip rescue: a referencing step is skipped without being scheduled (no spurious warnings)', async () => {
    let consumerRuns = 0;
    class Breaks extends Action<object, { id: string }> {
      override rescueStrategy(): RescueStrategy {
        return 'skip';
      }
      run() {
        throw new Error('boom');
      }
    }
    class Consumer extends Action<{ id?: string }> {
      override rescueStrategy(): RescueStrategy {
        return 'skip';
      }
      run() {
        consumerRuns++;
      }
    }
    class Root extends Action {
      override plan() {
        this.concurrence(() => {
          const failing = this.planAction(Breaks);
          this.planAction(Consumer, { id: failing.output.id });
        });
      }
    }
    const logger = recordingLogger();
    const world = await startWorld([Root, Breaks, Consumer], { logger });
    const plan = await world.trigger(Root).finished;
    expect(plan.state).toBe('stopped');
    expect(plan.result).toBe('warning');
    expect(plan.steps.filter((s) => s.phase === 'run').map((s) => s.state)).toEqual([
      'skipped',
      'skipped',
    ]);
    expect(consumerRuns).toBe(0);
    expect(logger.lines).toEqual([]);
  });
});
