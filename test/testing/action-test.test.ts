/**
 * The single-action harness of `flowline/testing`: one action's `run` (and `finalize`) with an
 * input, a managed clock and events, without a world or a store; read its output, log, error and
 * how it suspended.
 */
import { describe, expect, it } from 'vitest';
import { Action, FlowlineError } from '../../src/index.js';
import type { JsonValue, Middleware, SuspendedAction } from '../../src/index.js';
import { ManagedClock, testAction } from '../../src/testing/index.js';
import { deferred } from '../helpers/world.js';

class Greet extends Action<{ name: string }, { greeting?: string; finalized?: boolean }> {
  run() {
    this.log.info('greeting', { name: this.input.name });
    this.output.greeting = `hello ${this.input.name}`;
  }
  finalize() {
    this.output.finalized = true;
  }
}

/** Waits for the carrier's webhook; gives up after a day. */
class AwaitShipment extends Action<{ orderId: string }, { tracking?: string; gaveUp?: boolean }> {
  static handles: SuspendedAction[] = [];
  run(event?: JsonValue) {
    if (event === undefined) {
      this.scheduleTimeout(86_400_000);
      this.planEvent({ reminder: true }, 3_600_000);
      this.suspend((handle) => AwaitShipment.handles.push(handle));
    }
    if (Action.isTimeout(event)) {
      this.output.gaveUp = true;
      return;
    }
    if (typeof event === 'object' && event !== null && 'reminder' in event) {
      this.log.info('still waiting for the carrier');
      this.suspend();
    }
    this.output.tracking = (event as { tracking: string }).tracking;
  }
}

describe('testing one action (testAction)', () => {
  it('runs run() with an input and reads its output and log lines', async () => {
    const test = testAction(Greet, { input: { name: 'Ada' } });
    expect(test.state).toBe('pending');
    const result = await test.run();
    expect(result.kind).toBe('success');
    expect(test.state).toBe('success');
    expect(test.output).toEqual({ greeting: 'hello Ada' });
    expect(test.log).toMatchObject([
      { level: 'info', message: 'greeting', meta: { name: 'Ada' }, stepId: test.stepId },
    ]);
    const finalized = await test.finalize();
    expect(finalized.output).toEqual({ greeting: 'hello Ada', finalized: true });
  });

  it('reports a suspension with its planned events, and continues with the event delivered', async () => {
    const clock = new ManagedClock(0);
    const test = testAction(AwaitShipment, { input: { orderId: 'o-1' }, clock });
    const first = await test.run();
    expect(first.kind).toBe('suspended');
    expect(typeof test.suspended?.argument).toBe('function');
    expect(test.suspended?.plannedEvents).toEqual([
      {
        due: 3_600_000,
        kind: 'event',
        planId: test.executionPlanId,
        stepId: test.stepId,
        payload: { reminder: true },
      },
      expect.objectContaining({ due: 86_400_000, kind: 'event' }),
    ]);

    // An hour later the reminder arrives; the step suspends again without an argument.
    expect((await clock.advanceToNextStepTimer())?.payload).toEqual({ reminder: true });
    expect(test.events).toEqual([{ reminder: true }]);
    expect((await test.deliver()).kind).toBe('suspended');
    expect(test.suspended?.argument).toBeUndefined();
    expect(test.log.map((line) => line.message)).toEqual(['still waiting for the carrier']);

    // The carrier's webhook, through the handle the first call received.
    await AwaitShipment.handles.at(-1)?.event({ tracking: 'Z1' });
    const done = await test.deliver();
    expect(done.kind).toBe('success');
    expect(test.output).toEqual({ tracking: 'Z1' });
    expect(test.suspended).toBeUndefined();
    // A step that ended drops the timers it had planned (as in a world).
    expect(clock.timers()).toEqual([]);
  });

  it('delivers a scheduled timeout when the clock reaches it', async () => {
    const clock = new ManagedClock(0);
    const test = testAction(AwaitShipment, { input: { orderId: 'o-2' }, clock });
    await test.run();
    await clock.advance(86_400_000);
    expect(test.events).toHaveLength(2);
    await test.run(test.events[1]);
    expect(test.output).toEqual({ gaveUp: true });
  });

  it('reports a thrown error, keeping what run wrote to the output before it threw (as a world stores it)', async () => {
    class Charge extends Action<{ cents: number }, { charged?: number }> {
      run() {
        this.output.charged = this.input.cents;
        throw new Error('card declined');
      }
    }
    const test = testAction(Charge, { input: { cents: 500 } });
    const result = await test.run();
    expect(result.kind).toBe('error');
    expect(test.state).toBe('error');
    expect(test.error?.message).toBe('card declined');
    expect(test.output).toEqual({ charged: 500 });
  });

  it('retries a failing run with static retry, waiting on the managed clock', async () => {
    let calls = 0;
    class Flaky extends Action<object, { ok?: boolean }> {
      static override retry = { retries: 3, minTimeout: 1_000, factor: 2 };
      run() {
        calls++;
        if (calls < 3) throw new Error(`attempt ${calls} failed`);
        this.output.ok = true;
      }
    }
    const clock = new ManagedClock(0);
    const test = testAction(Flaky, { clock });
    const result = test.run();
    expect(await clock.advanceToNextStepTimer()).toMatchObject({ kind: 'retry', due: 1_000 });
    expect(await clock.advanceToNextStepTimer()).toMatchObject({ kind: 'retry', due: 3_000 });
    const done = await result;
    expect(done.kind).toBe('success');
    expect(done.attempts).toHaveLength(3);
    expect(done.attempts?.[0]?.error?.message).toBe('attempt 1 failed');
    expect(test.output).toEqual({ ok: true });
  });

  it('fails a run that outlives its static timeout, on the managed clock', async () => {
    const never = deferred();
    class Stuck extends Action {
      static override timeout = 5_000;
      async run() {
        await never.promise;
      }
    }
    const clock = new ManagedClock(0);
    const test = testAction(Stuck, { clock });
    const result = test.run();
    expect(await clock.advanceToNextStepTimer({ kind: 'timeout' })).toMatchObject({
      kind: 'timeout',
      due: 5_000,
    });
    const failed = await result;
    expect((failed.error as FlowlineError).code).toBe('STEP_TIMEOUT');
    never.resolve();
  });

  it('runs world middleware around the class middleware', async () => {
    const order: string[] = [];
    const named = (name: string): Middleware => ({
      name,
      async run(next, event) {
        order.push(`${name}>`);
        await next(event);
        order.push(`<${name}`);
      },
    });
    class Wrapped extends Action {
      static override middleware = Action.middleware.use(named('class'));
      run() {
        order.push('run');
      }
    }
    await testAction(Wrapped, { middleware: [named('world')] }).run();
    expect(order).toEqual(['world>', 'class>', 'run', '<class', '<world']);
  });

  it('refuses what a world would refuse: a non-action, bad statics, an input that is not data', () => {
    const codeOf = (fn: () => unknown): string => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(FlowlineError);
        return (error as FlowlineError).code;
      }
      return 'no error';
    };
    const NotAnAction = function NotAnAction() {};
    expect(codeOf(() => testAction(NotAnAction as never))).toBe('INVALID_ACTION');
    class BadRetry extends Action {
      static override retry = { retries: -1 };
      run() {}
    }
    expect(codeOf(() => testAction(BadRetry))).toBe('INVALID_ACTION');
    expect(codeOf(() => testAction(Greet, { input: { name: 1n } as never }))).toBe(
      'UNSERIALIZABLE_VALUE',
    );
  });

  it('refuses to deliver when nothing waits, and a second call while one is in progress', async () => {
    const test = testAction(Greet, { input: { name: 'x' } });
    expect(() => test.deliver()).toThrow(/not suspended/);
    const clock = new ManagedClock(0);
    const waiting = testAction(AwaitShipment, { input: { orderId: 'o-3' }, clock });
    await waiting.run();
    expect(() => waiting.deliver()).toThrow(/no event is waiting/);
    const gate = deferred();
    class Slow extends Action {
      async run() {
        await gate.promise;
      }
    }
    const slow = testAction(Slow);
    const first = slow.run();
    await expect(slow.run()).rejects.toThrow(/still in progress/);
    gate.resolve();
    expect((await first).kind).toBe('success');
  });
});
