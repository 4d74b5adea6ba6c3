/**
 * `world.resume(id, { wait: false })` and `world.execute(id, { wait: false })`: the call answers as
 * soon as the plan runs again, while its steps are still at work, instead of when it pauses or stops.
 */
import { describe, expect, it } from 'vitest';
import { Action, silentLogger } from '../../src/index.js';
import type { ExecutionPlan } from '../../src/index.js';
import {
  deferred,
  expectFlowlineError,
  nextEvent,
  rejectionOf,
  stepOf,
  withWorld,
} from '../helpers/world.js';

function scenario() {
  const started = deferred();
  const release = deferred();
  let failures = 1;
  /** Fails once; run again, it blocks until the test releases it. */
  class Deploy extends Action<{ host: string }, { deployed: boolean }> {
    async run() {
      if (failures > 0) {
        failures--;
        throw new Error('host unreachable');
      }
      started.resolve();
      await release.promise;
      this.output.deployed = true;
    }
  }
  return { Deploy, started, release };
}

describe('operations that do not block', () => {
  it('resume with wait: false resolves once the plan is running, while its step is still blocked', async () => {
    const { Deploy, started, release } = scenario();
    await withWorld({ actions: [Deploy], logger: silentLogger }, async (world) => {
      const paused = await world.trigger(Deploy, { host: 'web1' }).finished;
      expect(paused.state).toBe('paused');

      const resumed = await world.resume(paused.id, { wait: false });
      expect(resumed.id).toBe(paused.id);
      expect(resumed.state).toBe('running');
      await started.promise;
      expect(release.settled).toBe(false);
      const stored = (await world.executionPlan(paused.id)) as ExecutionPlan;
      expect(stored.state).toBe('running');
      expect(stepOf(stored, 'Deploy', 'run').state).toBe('running');

      const stopped = nextEvent(
        world,
        'plan:state',
        (e) => e.planId === paused.id && e.state === 'stopped',
      );
      release.resolve();
      expect((await stopped).result).toBe('success');
      const done = (await world.executionPlan(paused.id)) as ExecutionPlan;
      expect(done.actions[0]?.output).toEqual({ deployed: true });
    });
  });

  it('resume without options still waits until the plan pauses or stops again', async () => {
    const { Deploy, release } = scenario();
    await withWorld({ actions: [Deploy], logger: silentLogger }, async (world) => {
      const paused = await world.trigger(Deploy, { host: 'web1' }).finished;
      let answered = false;
      const resumed = world.resume(paused.id, { wait: true }).then((plan) => {
        answered = true;
        return plan;
      });
      const running = nextEvent(world, 'step:state', (e) => e.state === 'running');
      await running;
      expect(answered).toBe(false);
      release.resolve();
      const plan = await resumed;
      expect([plan.state, plan.result]).toEqual(['stopped', 'success']);
    });
  });

  it('execute with wait: false starts a planned plan and resolves while its step is still blocked', async () => {
    const { Deploy, started, release } = scenario();
    await withWorld({ actions: [Deploy], logger: silentLogger }, async (world) => {
      const planned = await world.plan(Deploy, { host: 'web2' });
      expect(planned.state).toBe('planned');
      // The first run fails and pauses the plan: execute answers before that matters.
      const running = await world.execute(planned.id, { wait: false });
      expect(running.state).toBe('running');
      const paused = nextEvent(
        world,
        'plan:state',
        (e) => e.planId === planned.id && e.state === 'paused',
      );
      await paused;
      const again = await world.resume(planned.id, { wait: false });
      expect(again.state).toBe('running');
      await started.promise;
      release.resolve();
    });
  });

  it('resume with wait: false rejects for an unknown plan and for a plan that is running', async () => {
    const { Deploy, started, release } = scenario();
    await withWorld({ actions: [Deploy], logger: silentLogger }, async (world) => {
      expectFlowlineError(
        await rejectionOf(world.resume('no-such-plan', { wait: false })),
        'PLAN_NOT_FOUND',
      );
      const paused = await world.trigger(Deploy, { host: 'web3' }).finished;
      await world.resume(paused.id, { wait: false });
      await started.promise;
      expectFlowlineError(
        await rejectionOf(world.resume(paused.id, { wait: false })),
        'INVALID_PLAN_STATE',
      );
      expectFlowlineError(
        await rejectionOf(world.execute(paused.id, { wait: false })),
        'INVALID_PLAN_STATE',
      );
      release.resolve();
    });
  });

  it('execute with wait: false rejects for an unknown plan', async () => {
    const { Deploy } = scenario();
    await withWorld({ actions: [Deploy], logger: silentLogger }, async (world) => {
      expectFlowlineError(
        await rejectionOf(world.execute('no-such-plan', { wait: false })),
        'PLAN_NOT_FOUND',
      );
    });
  });
});
