import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/index.js';
import { Action } from '../../src/index.js';
import { ManagedClock } from '../../src/testing/index.js';
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
const cancels: string[] = [];
const ran: string[] = [];

/** Waits on an external job; cancellable: cancelling stops the job, which fails the wait. */
class ExternalCopy extends Action<{ job: string }> {
  async run() {
    ran.push('copy');
    signal = this.signal;
    started.resolve();
    await gate.promise;
  }
  cancel(force: boolean) {
    cancels.push(`${this.input.job}:${String(force)}`);
    gate.reject(new Error(`job ${this.input.job} stopped`));
  }
}

/** Suspended until an external service reports back; cancellable. */
class RemoteBuild extends Action<{ build: string }> {
  run(event?: JsonValue) {
    if (event === undefined) this.suspend();
  }
  cancel(force: boolean) {
    cancels.push(`${this.input.build}:${String(force)}`);
  }
}

/** Not cancellable: a cancel lets it finish. */
class Plain extends Action {
  async run() {
    ran.push('plain');
    signal = this.signal;
    started.resolve();
    await gate.promise;
  }
}

class Notify extends Action {
  run() {
    ran.push('notify');
  }
}

class Job extends Action {
  override plan(kind: 'copy' | 'build' | 'plain') {
    this.sequence(() => {
      if (kind === 'copy') this.planAction(ExternalCopy, { job: 'j1' });
      if (kind === 'build') this.planAction(RemoteBuild, { build: 'b1' });
      if (kind === 'plain') this.planAction(Plain);
      this.planAction(Notify);
    });
  }
}

const actions = [ExternalCopy, RemoteBuild, Plain, Notify, Job];
const fresh = (): void => {
  gate = deferred();
  started = deferred();
  signal = undefined;
  cancels.length = 0;
  ran.length = 0;
};

describe('world.cancel', () => {
  it('asks a running cancellable action to stop; its step and the rest end cancelled', async () => {
    fresh();
    await withWorld({ actions }, async (world) => {
      const triggered = world.trigger(Job, 'copy');
      await started.promise;
      await world.cancel(triggered.id);
      const plan = await triggered.finished;
      expect(cancels).toEqual(['j1:false']);
      expect(signal?.aborted).toBe(false);
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('cancelled');
      expect(stepOf(plan, 'ExternalCopy', 'run').state).toBe('cancelled');
      expect(stepOf(plan, 'ExternalCopy', 'run').error?.message).toBe('job j1 stopped');
      expect(stepOf(plan, 'Notify', 'run').state).toBe('cancelled');
      expect(ran).toEqual(['copy']);
      expect(plan.history.at(-1)?.event).toBe('cancel execution');
    });
  });

  it('with force, the running step’s signal aborts too', async () => {
    fresh();
    await withWorld({ actions }, async (world) => {
      const triggered = world.trigger(Job, 'copy');
      await started.promise;
      await world.cancel(triggered.id, { force: true });
      expect(cancels).toEqual(['j1:true']);
      expect(signal?.aborted).toBe(true);
      expectFlowlineError(signal?.reason, 'PLAN_CANCELLED');
      expect((await triggered.finished).result).toBe('cancelled');
    });
  });

  it('reaches a suspended cancellable step at once', async () => {
    fresh();
    await withWorld({ actions }, async (world) => {
      const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
      const triggered = world.trigger(Job, 'build');
      await suspended;
      await world.cancel(triggered.id);
      const plan = await triggered.finished;
      expect(cancels).toEqual(['b1:false']);
      expect(stepOf(plan, 'RemoteBuild', 'run').state).toBe('cancelled');
      expect(plan.result).toBe('cancelled');
    });
  });

  it('lets a step that is not cancellable finish, records it, and cancels what has not run', async () => {
    fresh();
    await withWorld({ actions }, async (world) => {
      const triggered = world.trigger(Job, 'plain');
      await started.promise;
      const cancelling = world.cancel(triggered.id);
      expect(signal?.aborted).toBe(false);
      gate.resolve();
      await cancelling;
      const plan = await triggered.finished;
      expect(stepOf(plan, 'Plain', 'run').state).toBe('success');
      expect(stepOf(plan, 'Notify', 'run').state).toBe('cancelled');
      expect(plan.result).toBe('cancelled');
      expect(cancels).toEqual([]);
    });
  });

  it('a cancelled scheduled plan ends cancelled and never starts', async () => {
    fresh();
    const clock = new ManagedClock();
    await withWorld({ actions, clock }, async (world) => {
      const scheduled = await world.delay(Job, { startAt: clock.now() + 60_000 }, 'plain');
      expect(scheduled.state).toBe('scheduled');
      await world.cancel(scheduled.id);
      await clock.advance(120_000);
      const plan = await world.executionPlan(scheduled.id);
      expect(plan?.state).toBe('stopped');
      expect(plan?.result).toBe('cancelled');
      expect(ran).toEqual([]);
    });
  });

  it('cancels a paused plan, asking its suspended cancellable step to stop', async () => {
    fresh();
    await withWorld({ actions }, async (world) => {
      const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
      const triggered = world.trigger(Job, 'build');
      await suspended;
      await world.pause(triggered.id);
      await world.cancel(triggered.id);
      const plan = await world.executionPlan(triggered.id);
      expect(cancels).toEqual(['b1:false']);
      expect(plan?.state).toBe('stopped');
      expect(plan?.result).toBe('cancelled');
    });
  });

  it('refuses what it cannot cancel, clearly', async () => {
    fresh();
    await withWorld({ actions }, async (world) => {
      expectFlowlineError(await rejectionOf(world.cancel('nope')), 'PLAN_NOT_FOUND');
      gate.resolve();
      const done = await world.trigger(Job, 'plain').finished;
      expectFlowlineError(await rejectionOf(world.cancel(done.id)), 'INVALID_PLAN_STATE');
      expectFlowlineError(
        await rejectionOf(world.cancel(done.id, { force: 'yes' as unknown as boolean })),
        'INVALID_ARGUMENT',
      );
    });
  });
});
