import { describe, expect, it } from 'vitest';
import { Action, silentLogger } from '../../src/index.js';
import type { ExecutionPlan } from '../../src/index.js';
import {
  actionOf,
  expectFlowlineError,
  stepById,
  stepOf,
  thrownBy,
  withWorld,
} from '../helpers/world.js';

/** Actions whose run must never be called when planning fails. */
function counted() {
  const runs = { count: 0 };

  class Worker extends Action<{ name: string }> {
    override plan(name: string) {
      this.planSelf({ name });
    }
    run() {
      runs.count++;
    }
    finalize() {
      runs.count++;
    }
  }

  return { runs, Worker };
}

function expectNothingRan(plan: ExecutionPlan, runs: { count: number }): void {
  expect(runs.count).toBe(0);
  const executable = plan.steps.filter((s) => s.phase !== 'plan');
  expect(executable.length).toBeGreaterThan(0);
  for (const step of executable) expect(step.state, `step ${step.id}`).toBe('pending');
}

describe('planning errors', () => {
  it('a child whose plan() throws stops the plan with error; planned and finished resolve to it; nothing runs', async () => {
    const { runs, Worker } = counted();

    class Exploding extends Action {
      override plan() {
        throw new Error('no capacity in region eu-1');
      }
    }

    class Root extends Action {
      override plan() {
        this.sequence(() => {
          this.planAction(Worker, 'first');
          this.planAction(Exploding);
          this.planAction(Worker, 'never planned');
        });
      }
    }

    await withWorld({ actions: [Worker, Exploding, Root], logger: silentLogger }, async (world) => {
      const triggered = world.trigger(Root);
      const planned = await triggered.planned;
      const finished = await triggered.finished;
      for (const plan of [planned, finished]) {
        expect(plan.id).toBe(triggered.id);
        expect(plan.state).toBe('stopped');
        expect(plan.result).toBe('error');
      }
      expect(finished).toEqual(planned);

      const failing = stepOf(finished, 'Exploding', 'plan');
      expect(failing.state).toBe('error');
      expect(failing.error?.message).toMatch(/no capacity in region eu-1/);
      expect(failing.error?.className).toBe('Error');
      // The actions planned so far are kept; the one after the failure was never planned.
      expect(finished.actions.filter((a) => a.className === 'Worker')).toHaveLength(1);
      expectNothingRan(finished, runs);

      const stored = await world.executionPlan(triggered.id);
      expect(stored?.state).toBe('stopped');
      expect(stored?.result).toBe('error');
    });
  });

  it('an async child plan() that rejects behaves the same', async () => {
    const { runs, Worker } = counted();

    class SlowlyExploding extends Action {
      override async plan() {
        await Promise.resolve();
        throw new Error('quota lookup failed');
      }
    }

    class Root extends Action {
      override plan() {
        this.planAction(Worker, 'a');
        this.planAction(SlowlyExploding);
        this.planAction(Worker, 'b');
      }
    }

    await withWorld(
      { actions: [Worker, SlowlyExploding, Root], logger: silentLogger },
      async (world) => {
        const triggered = world.trigger(Root);
        const planned = await triggered.planned;
        const finished = await triggered.finished;
        expect(planned.state).toBe('stopped');
        expect(planned.result).toBe('error');
        expect(finished).toEqual(planned);
        const failing = stepOf(finished, 'SlowlyExploding', 'plan');
        expect(failing.state).toBe('error');
        expect(failing.error?.message).toMatch(/quota lookup failed/);
        expectNothingRan(finished, runs);
      },
    );
  });

  it('planAction of an unregistered class inside plan() stops the plan with ACTION_NOT_REGISTERED on that step', async () => {
    const { runs, Worker } = counted();

    class Unregistered extends Action {
      run() {}
    }

    class Root extends Action {
      override plan() {
        this.planAction(Worker, 'w');
        this.planAction(Unregistered);
      }
    }

    await withWorld({ actions: [Worker, Root], logger: silentLogger }, async (world) => {
      const triggered = world.trigger(Root);
      const plan = await triggered.finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('error');
      const rootPlanStep = stepById(plan, actionOf(plan, 'Root').planStepId);
      expect(rootPlanStep.state).toBe('error');
      expect(rootPlanStep.error?.code).toBe('ACTION_NOT_REGISTERED');
      expect(rootPlanStep.error?.message).toMatch(/Unregistered/);
      expect(plan.actions.some((a) => a.className === 'Unregistered')).toBe(false);
      expectNothingRan(plan, runs);
    });
  });

  it('trigger of an unregistered class throws ACTION_NOT_REGISTERED synchronously and stores nothing', async () => {
    class Stranger extends Action {
      run() {}
    }

    await withWorld({ logger: silentLogger }, async (world) => {
      const error = thrownBy(() => world.trigger(Stranger));
      expectFlowlineError(error, 'ACTION_NOT_REGISTERED');
      expect((error as Error).message).toMatch(/Stranger/);
      expect(await world.executionPlans()).toEqual([]);
    });
  });

  it('trigger with arguments that are not JSON throws UNSERIALIZABLE_VALUE synchronously and stores nothing', async () => {
    class Configure extends Action {
      override plan(settings: unknown) {
        this.planSelf({ settings });
      }
      run() {}
    }

    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;

    await withWorld({ actions: [Configure], logger: silentLogger }, async (world) => {
      const cases: [string, unknown][] = [
        ['a function', { onDone: () => 'nope' }],
        ['a cycle', cyclic],
        ['a Map', new Map([['a', 1]])],
      ];
      for (const [what, value] of cases) {
        const error = thrownBy(() => world.trigger(Configure, value));
        expectFlowlineError(error, 'UNSERIALIZABLE_VALUE');
        expect((error as Error).message, what).toMatch(/Configure/);
      }
      expect(await world.executionPlans()).toEqual([]);
    });
  });

  it('planSelf with a function in its input stops the plan with UNSERIALIZABLE_VALUE naming the path', async () => {
    class Hooked extends Action<{ options: { retries: number; onRetry?: () => void } }> {
      override plan() {
        this.planSelf({ options: { retries: 3, onRetry: () => {} } });
      }
      run() {}
    }

    await withWorld({ actions: [Hooked], logger: silentLogger }, async (world) => {
      const triggered = world.trigger(Hooked);
      const plan = await triggered.finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('error');
      const step = stepOf(plan, 'Hooked', 'plan');
      expect(step.state).toBe('error');
      expect(step.error?.code).toBe('UNSERIALIZABLE_VALUE');
      expect(step.error?.message).toMatch(/options\.onRetry/);
      expect(step.error?.message).toMatch(/function/);
      expect(plan.steps.filter((s) => s.phase !== 'plan')).toEqual([]);
    });
  });

  it('a subscriber whose plan() throws stops the plan with error on the subscriber plan step', async () => {
    const { runs, Worker } = counted();

    class Audit extends Action {
      static override subscribe() {
        return Worker;
      }
      override plan() {
        throw new Error('audit service down');
      }
    }

    await withWorld({ actions: [Worker, Audit], logger: silentLogger }, async (world) => {
      const triggered = world.trigger(Worker, 'w');
      const planned = await triggered.planned;
      expect(planned.state).toBe('stopped');
      expect(planned.result).toBe('error');
      const failing = stepOf(planned, 'Audit', 'plan');
      expect(failing.state).toBe('error');
      expect(failing.error?.message).toMatch(/audit service down/);
      expect((await triggered.finished).state).toBe('stopped');
      expectNothingRan(planned, runs);
    });
  });

  it('a subscriber whose plan() throws, triggered by an async plan(), stops the plan with error too (planned resolves)', async () => {
    let runs = 0;

    class AsyncCore extends Action {
      override async plan() {
        await Promise.resolve();
        this.planSelf({});
      }
      run() {
        runs++;
      }
    }

    class Audit extends Action {
      static override subscribe() {
        return AsyncCore;
      }
      override plan() {
        throw new Error('audit service down');
      }
    }

    await withWorld({ actions: [AsyncCore, Audit], logger: silentLogger }, async (world) => {
      const triggered = world.trigger(AsyncCore);
      const outcome = await triggered.planned.then(
        (plan) => ({ plan }),
        (error: unknown) => ({ error }),
      );
      expect(outcome).not.toHaveProperty('error');
      const planned = (outcome as { plan: ExecutionPlan }).plan;
      expect(planned.state).toBe('stopped');
      expect(planned.result).toBe('error');
      const failing = stepOf(planned, 'Audit', 'plan');
      expect(failing.error?.message).toMatch(/audit service down/);
      expect(runs).toBe(0);
      expect((await world.executionPlan(triggered.id))?.state).toBe('stopped');
    });
  });
});
