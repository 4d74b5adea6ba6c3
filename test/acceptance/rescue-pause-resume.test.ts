import { describe, expect, it } from 'vitest';
import { Action, silentLogger } from '../../src/index.js';
import { deferred, nextEvent, stepOf, withWorld } from '../helpers/world.js';

function scenario(failuresBeforeSuccess = 1) {
  const calls = { before: 0, flaky: 0, after: 0, slow: 0, afterSlow: 0, finalize: 0 };
  const slowStarted = deferred();
  const releaseSlow = deferred();
  let failures = failuresBeforeSuccess;

  class Before extends Action {
    override plan() {
      this.planSelf({});
    }
    run() {
      calls.before++;
    }
  }

  /** Fails the first `failures` times it runs (after the slow branch has started). */
  class Flaky extends Action<{ target: string }, { done: boolean }> {
    override plan() {
      this.planSelf({ target: 'db' });
    }
    async run() {
      calls.flaky++;
      await slowStarted.promise;
      if (failures > 0) {
        failures--;
        throw new Error('connection refused');
      }
      this.output.done = true;
    }
    finalize() {
      calls.finalize++;
    }
  }

  class After extends Action {
    override plan() {
      this.planSelf({});
    }
    run() {
      calls.after++;
    }
  }

  /** Runs concurrently elsewhere in the plan until the test releases it. */
  class Slow extends Action {
    override plan() {
      this.planSelf({});
    }
    async run() {
      calls.slow++;
      slowStarted.resolve();
      await releaseSlow.promise;
    }
  }

  /** Follows Slow: it would become ready while the plan is already pausing. */
  class AfterSlow extends Action {
    override plan() {
      this.planSelf({});
    }
    run() {
      calls.afterSlow++;
    }
  }

  class Deploy extends Action {
    override plan() {
      this.concurrence(() => {
        this.sequence(() => {
          this.planAction(Before);
          this.planAction(Flaky);
          this.planAction(After);
        });
        this.sequence(() => {
          this.planAction(Slow);
          this.planAction(AfterSlow);
        });
      });
    }
  }

  return { calls, releaseSlow, actions: [Before, Flaky, After, Slow, AfterSlow, Deploy], Deploy };
}

describe('rescue: pause and resume', () => {
  it('a failed step pauses the plan; resume re-runs only that step', async () => {
    const { calls, releaseSlow, actions, Deploy } = scenario();
    await withWorld({ actions, logger: silentLogger }, async (world) => {
      const failed = nextEvent(
        world,
        'step:state',
        (e) => e.state === 'error' && e.phase === 'run',
      );
      const triggered = world.trigger(Deploy);
      let settled = false;
      void triggered.finished.then(() => (settled = true));

      // The step failed while Slow still runs: the plan waits for it before pausing.
      const failure = await failed;
      const meanwhile = await world.executionPlan(triggered.id);
      expect(meanwhile?.state).toBe('running');
      expect(stepOf(meanwhile!, 'Slow', 'run').state).toBe('running');
      expect(stepOf(meanwhile!, 'Flaky', 'run').id).toBe(failure.stepId);
      expect(settled).toBe(false);

      releaseSlow.resolve();
      const paused = await triggered.finished;
      expect(paused.state).toBe('paused');
      expect(paused.result).toBe('error');
      // The concurrent step finished before the plan paused.
      expect(stepOf(paused, 'Slow', 'run').state).toBe('success');
      expect(stepOf(paused, 'Before', 'run').state).toBe('success');
      const flaky = stepOf(paused, 'Flaky', 'run');
      expect(flaky.state).toBe('error');
      expect(flaky.error).toMatchObject({ className: 'Error', message: 'connection refused' });
      // Steps after the failed one in the sequence had not started.
      const after = stepOf(paused, 'After', 'run');
      expect(after.state).toBe('pending');
      expect(after.startedAt).toBeUndefined();
      expect(stepOf(paused, 'Flaky', 'finalize').state).toBe('pending');
      // Nothing new started once the plan was pausing, not even the step after Slow.
      expect(stepOf(paused, 'AfterSlow', 'run').state).toBe('pending');
      expect(calls).toEqual({ before: 1, flaky: 1, after: 0, slow: 1, afterSlow: 0, finalize: 0 });
      expect(paused.progress).toBeGreaterThan(0);
      expect(paused.progress).toBeLessThan(1);

      const resumed = await world.resume(triggered.id);
      expect(resumed.state).toBe('stopped');
      expect(resumed.result).toBe('success');
      expect(resumed.progress).toBe(1);
      // Only the failed step ran again; succeeded steps did not.
      expect(calls).toEqual({ before: 1, flaky: 2, after: 1, slow: 1, afterSlow: 1, finalize: 1 });
      const rerun = stepOf(resumed, 'Flaky', 'run');
      expect(rerun.state).toBe('success');
      expect(rerun.error).toBeUndefined();
      expect(resumed.actions.find((a) => a.className === 'Flaky')?.output).toEqual({ done: true });
      expect(resumed.steps.every((s) => s.state === 'success')).toBe(true);
    });
  });

  it('a step failing again after a resume pauses the plan again', async () => {
    const { calls, releaseSlow, actions, Deploy } = scenario(2);
    releaseSlow.resolve();
    await withWorld({ actions, logger: silentLogger }, async (world) => {
      const triggered = world.trigger(Deploy);
      expect((await triggered.finished).state).toBe('paused');

      const second = await world.resume(triggered.id);
      expect(second.state).toBe('paused');
      expect(second.result).toBe('error');
      expect(stepOf(second, 'Flaky', 'run').error?.message).toBe('connection refused');
      // (Slow was never held here, so whether AfterSlow ran before the pause is up to timing.)
      expect(calls).toMatchObject({ before: 1, flaky: 2, after: 0, slow: 1, finalize: 0 });

      const third = await world.resume(triggered.id);
      expect(third.state).toBe('stopped');
      expect(third.result).toBe('success');
      expect(calls).toEqual({ before: 1, flaky: 3, after: 1, slow: 1, afterSlow: 1, finalize: 1 });
    });
  });

  it('after a finalize error the plan pauses and resume re-runs the whole finalize sequence', async () => {
    const finalized: string[] = [];
    let failures = 1;

    class First extends Action {
      override plan() {
        this.planSelf({});
      }
      run() {}
      finalize() {
        finalized.push('first');
      }
    }

    class Second extends Action {
      override plan() {
        this.planSelf({});
      }
      finalize() {
        finalized.push('second');
        if (failures-- > 0) throw new TypeError('finalize failed');
      }
    }

    class Root extends Action {
      override plan() {
        this.planAction(First);
        this.planAction(Second);
      }
    }

    await withWorld({ actions: [First, Second, Root], logger: silentLogger }, async (world) => {
      const paused = await world.trigger(Root).finished;
      expect(paused.state).toBe('paused');
      expect(paused.result).toBe('error');
      expect(stepOf(paused, 'Second', 'finalize').error).toMatchObject({
        className: 'TypeError',
        message: 'finalize failed',
      });
      expect(stepOf(paused, 'First', 'finalize').state).toBe('success');
      expect(finalized).toEqual(['first', 'second']);

      const resumed = await world.resume(paused.id);
      expect(resumed.state).toBe('stopped');
      expect(resumed.result).toBe('success');
      expect(finalized).toEqual(['first', 'second', 'first', 'second']);
    });
  });
});
