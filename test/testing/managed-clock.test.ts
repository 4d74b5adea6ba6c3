import { describe, expect, it } from 'vitest';
import { Action, silentLogger } from '../../src/index.js';
import { ManagedClock } from '../../src/testing/index.js';
import { nextEvent, withWorld } from '../helpers/world.js';

describe('ManagedClock', () => {
  it('starts at a fixed time and only moves when advanced', async () => {
    const clock = new ManagedClock(1_000);
    expect(clock.now()).toBe(1_000);
    await clock.advance(250);
    expect(clock.now()).toBe(1_250);
  });

  it('fires due timers in time order, each at its own time, including timers they set', async () => {
    const clock = new ManagedClock(0);
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['b', clock.now()]), 200);
    clock.setTimeout(() => {
      fired.push(['a', clock.now()]);
      clock.setTimeout(() => fired.push(['a2', clock.now()]), 50);
    }, 100);
    clock.setTimeout(() => fired.push(['late', clock.now()]), 1_000);
    await clock.advance(300);
    expect(fired).toEqual([
      ['a', 100],
      ['a2', 150],
      ['b', 200],
    ]);
    expect(clock.now()).toBe(300);
    expect(clock.pending).toBe(1);
    expect(clock.nextDue).toBe(1_000);
  });

  it('lets async work started by a timer settle before the next timer fires', async () => {
    const clock = new ManagedClock(0);
    const order: string[] = [];
    clock.setTimeout(() => {
      void Promise.resolve()
        .then(() => order.push('follow-up of 1'))
        .then(() => clock.setTimeout(() => order.push('timer set by follow-up'), 5));
    }, 10);
    clock.setTimeout(() => order.push('timer 2'), 20);
    await clock.advance(20);
    expect(order).toEqual(['follow-up of 1', 'timer set by follow-up', 'timer 2']);
  });

  it('cleared timers never fire; next() jumps to the next timer', async () => {
    const clock = new ManagedClock(0);
    let fired = 0;
    const handle = clock.setTimeout(() => fired++, 10);
    clock.setTimeout(() => fired++, 40);
    clock.clearTimeout(handle);
    expect(await clock.next()).toBe(true);
    expect(clock.now()).toBe(40);
    expect(fired).toBe(1);
    expect(await clock.next()).toBe(false);
  });

  it('refuses to go back in time', async () => {
    await expect(new ManagedClock().advance(-1)).rejects.toThrow(RangeError);
  });
});

describe('ManagedClock: step timers apart from the engine’s', () => {
  it('lists what is due with its kind, and advances to the next step timer past heartbeats', async () => {
    let calls = 0;
    class Charge extends Action<{ cents: number }, { chargeId?: string }> {
      static override retry = { retries: 2, minTimeout: 60_000, factor: 2 };
      run() {
        calls++;
        if (calls < 3) throw new Error('payment gateway unavailable');
        this.output.chargeId = `ch_${this.input.cents}`;
      }
    }
    const clock = new ManagedClock(0);
    await withWorld({ clock, actions: [Charge], logger: silentLogger }, async (world) => {
      const running = nextEvent(
        world,
        'step:state',
        (e) => e.phase === 'run' && e.state === 'running',
      );
      const { id, finished } = world.trigger(Charge, { cents: 500 });
      const { stepId } = await running;

      const first = await clock.advanceToNextStepTimer();
      expect(first).toEqual({ due: 60_000, kind: 'retry', planId: id, stepId });
      expect(calls).toBe(2);
      // Heartbeats (every 5 s) came due on the way and fired: they are engine timers.
      const due = clock.timers();
      expect(due.find((timer) => timer.kind === 'retry')).toEqual({
        due: 180_000,
        kind: 'retry',
        planId: id,
        stepId,
      });
      expect(due.some((timer) => timer.kind === 'engine' && timer.due < 180_000)).toBe(true);

      expect(await clock.advanceToNextStepTimer({ planId: id })).toMatchObject({ due: 180_000 });
      const plan = await finished;
      expect([plan.state, plan.result]).toEqual(['stopped', 'success']);
      expect(plan.actions[0]?.output).toEqual({ chargeId: 'ch_500' });
      expect(calls).toBe(3);
      // Nothing of the step is left; a further call finds no step timer and leaves time alone.
      const now = clock.now();
      expect(await clock.advanceToNextStepTimer()).toBeUndefined();
      expect(clock.now()).toBe(now);
    });
  });

  it('labels unlabelled timers as engine timers and ignores them when advancing to a step timer', async () => {
    const clock = new ManagedClock(0);
    let fired = 0;
    clock.setTimeout(() => fired++, 10);
    expect(clock.timers()).toEqual([{ due: 10, kind: 'engine' }]);
    expect(await clock.advanceToNextStepTimer()).toBeUndefined();
    expect(fired).toBe(0);
    clock.setTimeout(() => fired++, 50, { kind: 'event', planId: 'p', stepId: 2, payload: 1 });
    expect(await clock.advanceToNextStepTimer({ stepId: 3 })).toBeUndefined();
    expect(await clock.advanceToNextStepTimer({ stepId: 2 })).toEqual({
      due: 50,
      kind: 'event',
      planId: 'p',
      stepId: 2,
      payload: 1,
    });
    expect(fired).toBe(2);
  });
});
