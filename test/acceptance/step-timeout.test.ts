/**
 * `static timeout`: a run or finalize call that has not ended `timeout` ms after it started (on the
 * world's clock) fails its step with STEP_TIMEOUT; `this.signal` aborts; the late result is ignored;
 * the worker is free at once. Time is a ManagedClock: nothing here sleeps.
 */
import { describe, expect, it } from 'vitest';
import type { RescueStrategy } from '../../src/index.js';
import { Action, ErrorCode, FlowlineError, World, silentLogger } from '../../src/index.js';
import { caughtFlowlineError } from '../helpers/errors.js';
import { ManagedClock } from '../../src/testing/index.js';
import { Probe, deferred, expectFlowlineError, stepOf, withWorld } from '../helpers/world.js';

/** An action whose run waits for the test, with a 5 s timeout. */
function slowAction(rescue: RescueStrategy = 'pause') {
  const probe = new Probe();
  const gate = deferred();
  const seen: { signal?: AbortSignal; lateSignal?: AbortSignal; calls: number } = { calls: 0 };

  class Slow extends Action<Record<string, never>, { late?: boolean; early?: boolean }> {
    static override timeout = 5000;
    override rescueStrategy(): RescueStrategy {
      return rescue;
    }
    async run() {
      seen.calls++;
      seen.signal = this.signal;
      this.output.early = true;
      this.log.info('before the wait');
      probe.poke();
      await gate.promise;
      // The call was abandoned: none of this may reach the step.
      seen.lateSignal = this.signal;
      this.output.late = true;
      this.log.info('after the timeout');
    }
  }
  return { probe, gate, seen, Slow };
}

describe('static timeout', () => {
  it('fails the step with STEP_TIMEOUT once the clock passes the limit, and aborts the signal', async () => {
    const clock = new ManagedClock();
    const { probe, gate, seen, Slow } = slowAction();
    await withWorld({ clock, actions: [Slow], logger: silentLogger }, async (world) => {
      const triggered = world.trigger(Slow);
      let finished = false;
      void triggered.finished.then(() => (finished = true));
      await probe.until(() => seen.calls === 1);

      // Nothing happens before the clock reaches the limit.
      await clock.advance(4999);
      expect(finished).toBe(false);
      const during = await world.executionPlan(triggered.id);
      expect(stepOf(during!, 'Slow', 'run').state).toBe('running');
      expect(seen.signal?.aborted).toBe(false);

      await clock.advance(1);
      const plan = await triggered.finished;
      expect(plan.state).toBe('paused');
      expect(plan.result).toBe('error');
      const step = stepOf(plan, 'Slow', 'run');
      expect(step.state).toBe('error');
      expect(step.error?.code).toBe(ErrorCode.STEP_TIMEOUT);
      expect(step.error?.message).toContain('Slow (action 1)');
      expect(step.error?.message).toContain(`step ${step.id}`);
      expect(step.error?.message).toContain('5000 ms');
      expect(step.endedAt).toBe(new Date(clock.now()).toISOString());
      // The output written before the timeout is not taken either: the committed one stays.
      expect(plan.actions[0]?.output).toEqual({});

      expect(seen.signal?.aborted).toBe(true);
      const reason = expectFlowlineError(seen.signal?.reason, ErrorCode.STEP_TIMEOUT);
      expect(reason.stepId).toBe(step.id);
      expect(reason.planId).toBe(triggered.id);

      // The abandoned call ends later: its result, output and log lines are ignored.
      gate.resolve();
      await clock.advance(0);
      expect(seen.lateSignal?.aborted).toBe(true);
      const after = await world.executionPlan(triggered.id);
      expect(stepOf(after!, 'Slow', 'run').error?.code).toBe(ErrorCode.STEP_TIMEOUT);
      expect(after?.actions[0]?.output).toEqual({});
      const lines = await world.stepLog(triggered.id, step.id);
      expect(lines.map((line) => line.message)).toEqual(['before the wait']);
    });
  });

  it('frees the worker when the timeout fires, even though the call never ends', async () => {
    const clock = new ManagedClock();
    const { probe, seen, Slow } = slowAction();
    const ran: string[] = [];
    class Quick extends Action {
      run() {
        ran.push('quick');
      }
    }
    await withWorld(
      { clock, actions: [Slow, Quick], logger: silentLogger, concurrency: 1 },
      async (world) => {
        const slow = world.trigger(Slow);
        await probe.until(() => seen.calls === 1);
        const quick = world.trigger(Quick);
        await quick.planned;
        await clock.advance(4999);
        expect(ran).toEqual([]); // the only worker is busy with Slow

        await clock.advance(1);
        expect((await slow.finished).state).toBe('paused');
        expect((await quick.finished).result).toBe('success');
        expect(ran).toEqual(['quick']);
      },
    );
  });

  it('applies the rescue strategy as for any failure (skip → warning)', async () => {
    const clock = new ManagedClock();
    const { probe, seen, Slow } = slowAction('skip');
    await withWorld({ clock, actions: [Slow], logger: silentLogger }, async (world) => {
      const triggered = world.trigger(Slow);
      await probe.until(() => seen.calls === 1);
      await clock.advance(5000);
      const plan = await triggered.finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('warning');
      const step = stepOf(plan, 'Slow', 'run');
      expect(step.state).toBe('skipped');
      expect(step.error?.code).toBe(ErrorCode.STEP_TIMEOUT);
    });
  });

  it('limits finalize too, and a call that ends in time is not affected', async () => {
    const clock = new ManagedClock();
    const probe = new Probe();
    const finalizing = deferred();
    let finalizeCalls = 0;
    class Bounded extends Action<Record<string, never>, { done?: boolean }> {
      static override timeout = 1000;
      async run() {
        await Promise.resolve();
        this.output.done = true;
      }
      async finalize() {
        finalizeCalls++;
        probe.poke();
        await finalizing.promise;
      }
    }
    await withWorld({ clock, actions: [Bounded], logger: silentLogger }, async (world) => {
      const triggered = world.trigger(Bounded);
      await probe.until(() => finalizeCalls === 1);
      const running = await world.executionPlan(triggered.id);
      expect(stepOf(running!, 'Bounded', 'run').state).toBe('success');
      expect(running?.actions[0]?.output).toEqual({ done: true });
      // The run step's timer was cleared when it ended: only finalize's is left to fire.
      await clock.advance(1000);
      const plan = await triggered.finished;
      expect(plan.state).toBe('paused');
      const step = stepOf(plan, 'Bounded', 'finalize');
      expect(step.error?.code).toBe(ErrorCode.STEP_TIMEOUT);
      expect(step.error?.message).toContain('finalize');
    });
  });

  it('rejects a bad static timeout when the action is registered (INVALID_ACTION naming the class)', () => {
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, '100']) {
      class BadTimeout extends Action {
        static override timeout = bad as number;
        run() {}
      }
      const refused = caughtFlowlineError(
        () => new World({ actions: [BadTimeout], logger: silentLogger }),
      );
      expect(refused.code).toBe(ErrorCode.INVALID_ACTION);
      expect(refused.message).toContain('BadTimeout');
      expect(refused.message).toContain('static timeout');
    }
  });

  it('a timeout made bad after registration fails the planning of the action (INVALID_ACTION on its plan step)', async () => {
    class LaterBad extends Action {
      static override timeout = 100;
      run() {}
    }
    await withWorld({ actions: [LaterBad], logger: silentLogger }, async (world) => {
      LaterBad.timeout = -1;
      const plan = await world.trigger(LaterBad).finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('error');
      const planStep = stepOf(plan, 'LaterBad', 'plan');
      expect(planStep.error?.code).toBe(ErrorCode.INVALID_ACTION);
      expect(planStep.error?.message).toContain('static timeout');
      expect(plan.steps.filter((s) => s.phase === 'run')).toEqual([]);
    });
    expect(new FlowlineError(ErrorCode.STEP_TIMEOUT, 'x').code).toBe('STEP_TIMEOUT');
  });
});
