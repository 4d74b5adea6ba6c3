/**
 * The step runner on its own: timeouts, retries, logs and progress cost nothing for an action that
 * uses none of them (no clock read, no timer, no log buffer), and the option handling behind
 * `static timeout` / `static retry`.
 */
import { describe, expect, it } from 'vitest';
import { Action, ErrorCode } from '../../src/index.js';
import type { ActionClass, Clock, TimerHandle } from '../../src/index.js';
import { retryDelay, stepOptionsOf } from '../../src/action/step-options.js';
import type { PhaseCall } from '../../src/executor/step-runner.js';
import { invokePhase } from '../../src/executor/step-runner.js';
import { ManagedClock } from '../../src/testing/index.js';
import { expectFlowlineError, thrownBy } from '../helpers/world.js';

/** A clock that fails the test if the runner uses it. */
const untouchable: Clock = {
  now: () => {
    throw new Error('the clock was read');
  },
  setTimeout: () => {
    throw new Error('a timer was set');
  },
  clearTimeout: () => {
    throw new Error('a timer was cleared');
  },
};

function call(cls: ActionClass, clock: Clock, overrides: Partial<PhaseCall> = {}): PhaseCall {
  return {
    cls,
    planId: 'plan-1',
    actionId: 1,
    stepId: 2,
    className: cls.name,
    phase: 'run',
    input: {},
    output: {},
    event: undefined,
    sendEvent: async () => {},
    clock,
    options: stepOptionsOf(cls, cls.name),
    closing: new AbortController().signal,
    ...overrides,
  };
}

describe('invokePhase', () => {
  it('touches neither the clock nor a log buffer for an action without timeout, retry or log', async () => {
    class Plain extends Action<Record<string, never>, { n: number }> {
      async run() {
        await Promise.resolve();
        this.output.n = 1;
      }
    }
    const outcome = await invokePhase(call(Plain, untouchable));
    expect(outcome).toEqual({ kind: 'success', output: { n: 1 } });
    expect(outcome).not.toHaveProperty('logs');
    expect(outcome).not.toHaveProperty('attempts');
    expect(outcome).not.toHaveProperty('progress');
  });

  it('sets no timer for a synchronous run, even with a timeout', async () => {
    class Sync extends Action {
      static override timeout = 10;
      run() {}
    }
    const clock = new ManagedClock();
    const outcome = await invokePhase(call(Sync, clock));
    expect(outcome.kind).toBe('success');
    expect(clock.pending).toBe(0);
  });

  it('clears the timer of a call that ends in time', async () => {
    class Quick extends Action {
      static override timeout = 1000;
      async run() {
        await Promise.resolve();
      }
    }
    const clock = new ManagedClock();
    expect((await invokePhase(call(Quick, clock))).kind).toBe('success');
    expect(clock.pending).toBe(0);
  });

  it('hands out an already aborted signal to an abandoned call that asks for it late', async () => {
    let release!: () => void;
    let late: AbortSignal | undefined;
    class Late extends Action {
      static override timeout = 50;
      async run() {
        await new Promise<void>((resolve) => (release = resolve));
        late = this.signal;
      }
    }
    const clock = new ManagedClock();
    const pending = invokePhase(call(Late, clock));
    await clock.advance(50);
    const outcome = await pending;
    expect(outcome.kind).toBe('error');
    release();
    await clock.advance(0);
    expect(late?.aborted).toBe(true);
    expectFlowlineError(late?.reason, ErrorCode.STEP_TIMEOUT);
  });

  it('lets a timed-out call that suspends later reach nobody', async () => {
    let release!: () => void;
    let called = false;
    class SuspendsLate extends Action {
      static override timeout = 5;
      async run() {
        await new Promise<void>((resolve) => (release = resolve));
        this.suspend(() => (called = true));
      }
    }
    const clock = new ManagedClock();
    const pending = invokePhase(call(SuspendsLate, clock));
    await clock.advance(5);
    expect((await pending).kind).toBe('error');
    release();
    await clock.advance(0);
    expect(called).toBe(false);
  });
});

/** A managed clock whose handles can be ref'd, like Node's timers, counting the refs. */
class RefCountingClock extends ManagedClock {
  refs = 0;
  override setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = super.setTimeout(fn, ms);
    return {
      id,
      ref: () => {
        this.refs++;
      },
    };
  }
  override clearTimeout(handle: TimerHandle): void {
    super.clearTimeout((handle as { id: TimerHandle }).id);
  }
}

describe('timers of timeouts and retries', () => {
  it('keep the process alive (ref), unlike the system clock default: a plan awaited must not exit', async () => {
    let calls = 0;
    let release!: () => void;
    class Both extends Action {
      static override timeout = 100;
      static override retry = { retries: 1, minTimeout: 10 };
      async run() {
        calls++;
        if (calls === 1) throw new Error('first');
        await new Promise<void>((resolve) => (release = resolve));
      }
    }
    const clock = new RefCountingClock();
    const pending = invokePhase(call(Both, clock));
    await clock.advance(0);
    expect(clock.refs).toBe(2); // the first attempt's timeout, then the retry wait
    await clock.advance(10);
    expect(clock.refs).toBe(3); // the second attempt's timeout
    release();
    expect((await pending).kind).toBe('success');
    expect(clock.pending).toBe(0);
  });
});

describe('static timeout and static retry options', () => {
  it('are read once per class and revalidated when reassigned', () => {
    class Tuned extends Action {
      static override timeout = 100;
      static override retry = { retries: 2 };
      run() {}
    }
    const first = stepOptionsOf(Tuned, 'Tuned');
    expect(first).toEqual({
      timeout: 100,
      retry: { retries: 2, factor: 2, minTimeout: 1000, maxTimeout: Number.POSITIVE_INFINITY },
    });
    expect(stepOptionsOf(Tuned, 'Tuned')).toBe(first);
    Tuned.timeout = -1;
    const error = expectFlowlineError(
      thrownBy(() => stepOptionsOf(Tuned, 'Tuned')),
      ErrorCode.INVALID_ACTION,
    );
    expect(error.message).toBe(
      'action Tuned: static timeout must be a positive, finite number of milliseconds, got -1',
    );
  });

  it('are undefined for a class that sets neither, and inherited from a parent class', () => {
    class Plain extends Action {
      run() {}
    }
    class Base extends Action {
      static override timeout = 30;
      run() {}
    }
    class Child extends Base {}
    expect(stepOptionsOf(Plain, 'Plain')).toBeUndefined();
    expect(stepOptionsOf(Child, 'Child')?.timeout).toBe(30);
  });

  it("compute p-retry's delays: min(round(minTimeout × factor^(n-1)), maxTimeout)", () => {
    const retry = { retries: 5, factor: 2, minTimeout: 1000, maxTimeout: 5000 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(retry, n))).toEqual([
      1000, 2000, 4000, 5000, 5000,
    ]);
    expect(retryDelay({ ...retry, factor: 1.5, maxTimeout: Infinity }, 3)).toBe(2250);
  });
});
