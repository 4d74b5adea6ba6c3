import { describe, expect, it } from 'vitest';
import { Action, silentLogger } from '../../src/index.js';
import {
  actionOf,
  deferred,
  expectFlowlineError,
  rejectionOf,
  stepOf,
  withWorld,
} from '../helpers/world.js';

function scenario() {
  const calls = { before: 0, broken: 0, follower: 0, consumer: 0, brokenFinalize: 0 };

  class Before extends Action {
    override plan() {
      this.planSelf({});
    }
    run() {
      calls.before++;
    }
  }

  /** Always fails (rescue strategy: the default, pause). */
  class Broken extends Action<{ host: string }, { address: string }> {
    override plan() {
      this.planSelf({ host: 'db' });
    }
    run() {
      calls.broken++;
      throw new Error('host unreachable');
    }
    finalize() {
      calls.brokenFinalize++;
    }
  }

  class Follower extends Action {
    override plan() {
      this.planSelf({});
    }
    run() {
      calls.follower++;
    }
  }

  class Consumer extends Action<{ address: string }> {
    override plan(address: string) {
      this.planSelf({ address });
    }
    run() {
      calls.consumer++;
    }
  }

  class Root extends Action {
    override plan() {
      const broken = this.sequence(() => {
        this.planAction(Before);
        const planned = this.planAction(Broken);
        this.planAction(Follower);
        return planned;
      });
      this.planAction(Consumer, broken.output.address);
    }
  }

  return { calls, actions: [Before, Broken, Follower, Consumer, Root], Root };
}

describe('world.skipStep', () => {
  it('on a paused plan a failed step becomes skipping, then skipped on resume, with its dependents; the plan ends with a warning', async () => {
    const { calls, actions, Root } = scenario();
    await withWorld({ actions, logger: silentLogger }, async (world) => {
      const paused = await world.trigger(Root).finished;
      expect(paused.state).toBe('paused');
      expect(paused.result).toBe('error');
      const broken = stepOf(paused, 'Broken', 'run');
      expect(broken.state).toBe('error');
      expect(stepOf(paused, 'Consumer', 'run').state).toBe('pending');

      await world.skipStep(paused.id, broken.id);
      const marked = await world.executionPlan(paused.id);
      expect(marked?.state).toBe('paused');
      expect(stepOf(marked!, 'Broken', 'run').state).toBe('skipping');
      expect(stepOf(marked!, 'Follower', 'run').state).toBe('pending');

      const resumed = await world.resume(paused.id);
      expect(resumed.state).toBe('stopped');
      expect(resumed.result).toBe('warning');
      expect(resumed.progress).toBe(1);
      expect(stepOf(resumed, 'Broken', 'run').state).toBe('skipped');
      // The step taking its output by reference is skipped; the one merely following it runs.
      expect(stepOf(resumed, 'Consumer', 'run').state).toBe('skipped');
      expect(stepOf(resumed, 'Follower', 'run').state).toBe('success');
      expect(stepOf(resumed, 'Broken', 'finalize').state).toBe('skipped');
      expect(calls).toEqual({ before: 1, broken: 1, follower: 1, consumer: 0, brokenFinalize: 0 });
    });
  });

  it('rejects a step that did not fail with STEP_NOT_FAILED and an unknown step with STEP_NOT_FOUND', async () => {
    const { actions, Root } = scenario();
    await withWorld({ actions, logger: silentLogger }, async (world) => {
      const paused = await world.trigger(Root).finished;
      expect(paused.state).toBe('paused');

      const succeeded = stepOf(paused, 'Before', 'run');
      expect(succeeded.state).toBe('success');
      expectFlowlineError(
        await rejectionOf(world.skipStep(paused.id, succeeded.id)),
        'STEP_NOT_FAILED',
      );

      const pending = stepOf(paused, 'Follower', 'run');
      expectFlowlineError(
        await rejectionOf(world.skipStep(paused.id, pending.id)),
        'STEP_NOT_FAILED',
      );

      const planStep = actionOf(paused, 'Broken').planStepId;
      expectFlowlineError(
        await rejectionOf(world.skipStep(paused.id, planStep)),
        'STEP_NOT_FAILED',
      );

      expectFlowlineError(await rejectionOf(world.skipStep(paused.id, 999)), 'STEP_NOT_FOUND');
      expectFlowlineError(await rejectionOf(world.skipStep('no-such-plan', 1)), 'PLAN_NOT_FOUND');

      // Nothing was changed by the refused calls.
      const after = await world.executionPlan(paused.id);
      expect(after).toEqual(paused);
    });
  });

  it('rejects with INVALID_PLAN_STATE on a plan that is not paused', async () => {
    const release = deferred();
    const started = deferred();

    class Blocked extends Action {
      override plan() {
        this.planSelf({});
      }
      async run() {
        started.resolve();
        await release.promise;
        throw new Error('fails, but the plan is still running');
      }
    }

    class Done extends Action {
      override plan() {
        this.planSelf({});
      }
      run() {
        throw new Error('will be stopped by rescue fail');
      }
      override rescueStrategy() {
        return 'fail' as const;
      }
    }

    await withWorld({ actions: [Blocked, Done], logger: silentLogger }, async (world) => {
      const running = world.trigger(Blocked);
      const runStep = stepOf(await running.planned, 'Blocked', 'run').id;
      await started.promise;
      expectFlowlineError(
        await rejectionOf(world.skipStep(running.id, runStep)),
        'INVALID_PLAN_STATE',
      );
      release.resolve();
      expect((await running.finished).state).toBe('paused');

      const stopped = await world.trigger(Done).finished;
      expect(stopped.state).toBe('stopped');
      const failed = stepOf(stopped, 'Done', 'run');
      expect(failed.state).toBe('error');
      expectFlowlineError(
        await rejectionOf(world.skipStep(stopped.id, failed.id)),
        'INVALID_PLAN_STATE',
      );
    });
  });
});
