import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/index.js';
import { Action } from '../../src/index.js';
import type { Deferred } from '../helpers/world.js';
import {
  deferred,
  expectFlowlineError,
  nextEvent,
  rejectionOf,
  withWorld,
  stepOf,
} from '../helpers/world.js';

let gate: Deferred<void>;
let started: Deferred<void>;
let signal: AbortSignal | undefined;
const ran: string[] = [];

class Slow extends Action {
  async run() {
    ran.push('slow');
    signal = this.signal;
    started.resolve();
    await gate.promise;
    this.output.done = true;
  }
}

class Next extends Action {
  run() {
    ran.push('next');
  }
}

class Waiter extends Action {
  run(event?: JsonValue) {
    if (event === undefined) this.suspend();
    this.output.got = event ?? null;
  }
}

class Job extends Action {
  override plan(kind: 'slow' | 'waiter') {
    this.sequence(() => {
      this.planAction(kind === 'slow' ? Slow : Waiter);
      this.planAction(Next);
    });
  }
}

const actions = [Slow, Next, Waiter, Job];
const fresh = (): void => {
  gate = deferred();
  started = deferred();
  signal = undefined;
  ran.length = 0;
};

describe('world.pause', () => {
  it('stops scheduling new steps, lets the running one finish, and resume continues', async () => {
    fresh();
    await withWorld({ actions }, async (world) => {
      const triggered = world.trigger(Job, 'slow');
      await started.promise;
      let pausedYet = false;
      const pausing = world.pause(triggered.id).then(() => {
        pausedYet = true;
      });
      await Promise.resolve();
      expect(pausedYet).toBe(false);
      gate.resolve();
      await pausing;
      const paused = await world.executionPlan(triggered.id);
      expect(paused?.state).toBe('paused');
      expect(stepOf(paused!, 'Slow', 'run').state).toBe('success');
      expect(stepOf(paused!, 'Next', 'run').state).toBe('pending');
      expect(ran).toEqual(['slow']);
      const done = await world.resume(triggered.id);
      expect(done.result).toBe('success');
      expect(ran).toEqual(['slow', 'next']);
    });
  });

  it('does not wait for a suspended step; an event sent while paused wakes it on resume', async () => {
    fresh();
    await withWorld({ actions }, async (world) => {
      const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
      const triggered = world.trigger(Job, 'waiter');
      const { stepId } = await suspended;
      await world.pause(triggered.id);
      const paused = await world.executionPlan(triggered.id);
      expect(paused?.state).toBe('paused');
      expect(stepOf(paused!, 'Waiter', 'run').state).toBe('suspended');
      await world.event(triggered.id, stepId, 'while paused');
      const done = await world.resume(triggered.id);
      expect(done.result).toBe('success');
      expect(done.actions.find((a) => a.className === 'Waiter')?.output).toEqual({
        got: 'while paused',
      });
    });
  });

  it('refuses plans it is not running, clearly', async () => {
    await withWorld({ actions }, async (world) => {
      expectFlowlineError(await rejectionOf(world.pause('no-such-plan')), 'PLAN_NOT_FOUND');
      const planned = await world.plan(Job, 'slow');
      const error = expectFlowlineError(
        await rejectionOf(world.pause(planned.id)),
        'INVALID_PLAN_STATE',
      );
      expect(error.message).toContain('planned');
    });
  });
});

describe('world.halt', () => {
  it('runs nothing more: the running step sees its signal abort and finishes, the rest is cancelled', async () => {
    fresh();
    await withWorld({ actions }, async (world) => {
      const triggered = world.trigger(Job, 'slow');
      await started.promise;
      const halting = world.halt(triggered.id);
      expect(signal?.aborted).toBe(true);
      expectFlowlineError(signal?.reason, 'PLAN_HALTED');
      gate.resolve();
      await halting;
      const halted = await triggered.finished;
      expect(halted.state).toBe('stopped');
      expect(halted.result).toBe('cancelled');
      expect(stepOf(halted, 'Slow', 'run').state).toBe('success');
      expect(stepOf(halted, 'Next', 'run').state).toBe('cancelled');
      expect(ran).toEqual(['slow']);
      expect(halted.history.at(-1)?.event).toBe('halt execution');
    });
  });

  it('cancels a suspended step at once, and stops planned and paused plans', async () => {
    fresh();
    await withWorld({ actions }, async (world) => {
      const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
      const waiting = world.trigger(Job, 'waiter');
      await suspended;
      await world.halt(waiting.id);
      const halted = await world.executionPlan(waiting.id);
      expect(halted?.state).toBe('stopped');
      expect(stepOf(halted!, 'Waiter', 'run').state).toBe('cancelled');

      const planned = await world.plan(Job, 'slow');
      await world.halt(planned.id);
      const stopped = await world.executionPlan(planned.id);
      expect(stopped?.state).toBe('stopped');
      expect(stopped?.result).toBe('cancelled');
      expect(ran).toEqual([]);
      expectFlowlineError(await rejectionOf(world.halt(planned.id)), 'INVALID_PLAN_STATE');
    });
  });
});
