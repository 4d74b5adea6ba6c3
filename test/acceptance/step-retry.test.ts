/**
 * `static retry`: a run that throws is called again within the same step execution after a backoff
 * (p-retry's options and formula) measured on the world's clock; every attempt is recorded on the
 * step. Time is a ManagedClock: the test proves nothing happens until it advances the clock.
 */
import { describe, expect, it } from 'vitest';
import type { JsonValue, RetryOptions, SuspendedAction } from '../../src/index.js';
import { Action, ErrorCode, MemoryAdapter, World, silentLogger } from '../../src/index.js';
import { ManagedClock } from '../../src/testing/index.js';
import { caughtFlowlineError } from '../helpers/errors.js';
import { Probe, deferred, planReaching, stepOf, withWorld } from '../helpers/world.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** An action that fails its first `failures` calls. */
function flakyAction(failures: number, retry: RetryOptions) {
  const probe = new Probe();
  const calls: number[] = [];
  class Flaky extends Action<Record<string, never>, { ok?: boolean; attempt?: number }> {
    static override retry = retry;
    run() {
      calls.push(calls.length + 1);
      probe.poke();
      // Output written by a failed attempt does not leak into the next one.
      this.output.attempt = calls.length;
      this.log.info(`attempt ${calls.length}`);
      if (calls.length <= failures) throw new Error(`boom ${calls.length}`);
      this.output.ok = true;
    }
  }
  return { probe, calls, Flaky };
}

describe('static retry', () => {
  it('retries after 1000 then 2000 ms of clock time and records every attempt', async () => {
    const clock = new ManagedClock();
    const t0 = clock.now();
    const { probe, calls, Flaky } = flakyAction(2, { retries: 3, minTimeout: 1000, factor: 2 });
    await withWorld({ clock, actions: [Flaky], logger: silentLogger }, async (world) => {
      const triggered = world.trigger(Flaky);
      let finished = false;
      void triggered.finished.then(() => (finished = true));
      await probe.until(() => calls.length === 1);
      await clock.advance(0);

      // The step waits for the clock: no retry until 1000 ms have passed.
      const waiting = await world.executionPlan(triggered.id);
      expect(stepOf(waiting!, 'Flaky', 'run').state).toBe('running');
      await clock.advance(999);
      expect(calls).toEqual([1]);
      await clock.advance(1);
      expect(calls).toEqual([1, 2]);

      // The second retry waits twice as long.
      await clock.advance(1999);
      expect(calls).toEqual([1, 2]);
      expect(finished).toBe(false);
      await clock.advance(1);
      expect(calls).toEqual([1, 2, 3]);

      const plan = await triggered.finished;
      expect(plan.result).toBe('success');
      const step = stepOf(plan, 'Flaky', 'run');
      expect(step.state).toBe('success');
      expect(step.startedAt).toBe(iso(t0));
      expect(step.endedAt).toBe(iso(t0 + 3000));
      expect(step.attempts).toEqual([
        {
          startedAt: iso(t0),
          endedAt: iso(t0),
          error: expect.objectContaining({ className: 'Error', message: 'boom 1' }) as unknown,
        },
        {
          startedAt: iso(t0 + 1000),
          endedAt: iso(t0 + 1000),
          error: expect.objectContaining({ message: 'boom 2' }) as unknown,
        },
        { startedAt: iso(t0 + 3000), endedAt: iso(t0 + 3000) },
      ]);
      expect(plan.actions[0]?.output).toEqual({ ok: true, attempt: 3 });
      // Lines of every attempt are kept, in order.
      const lines = await world.stepLog(triggered.id, step.id);
      expect(lines.map((line) => [line.message, line.at])).toEqual([
        ['attempt 1', iso(t0)],
        ['attempt 2', iso(t0 + 1000)],
        ['attempt 3', iso(t0 + 3000)],
      ]);
    });
  });

  it('fails the step with the last error and every attempt once the retries are used up', async () => {
    const clock = new ManagedClock();
    const { probe, calls, Flaky } = flakyAction(Infinity, {
      retries: 2,
      minTimeout: 100,
      factor: 3,
      maxTimeout: 250,
    });
    await withWorld({ clock, actions: [Flaky], logger: silentLogger }, async (world) => {
      const triggered = world.trigger(Flaky);
      await probe.until(() => calls.length === 1);
      await clock.advance(99);
      expect(calls).toEqual([1]);
      await clock.advance(1);
      expect(calls).toEqual([1, 2]);
      // 100 × 3 = 300, capped by maxTimeout at 250.
      await clock.advance(249);
      expect(calls).toEqual([1, 2]);
      await clock.advance(1);

      const plan = await triggered.finished;
      expect(calls).toEqual([1, 2, 3]);
      expect(plan.state).toBe('paused');
      expect(plan.result).toBe('error');
      const step = stepOf(plan, 'Flaky', 'run');
      expect(step.state).toBe('error');
      expect(step.error?.message).toBe('boom 3');
      expect(step.attempts?.map((a) => a.error?.message)).toEqual(['boom 1', 'boom 2', 'boom 3']);
      // The failed execution keeps the last attempt's output, as a step without retries would.
      expect(plan.actions[0]?.output).toEqual({ attempt: 3 });
      // Nothing is left waiting on the clock for this step.
      await clock.advance(10_000);
      expect(calls).toEqual([1, 2, 3]);
    });
  });

  it('applies the timeout to each attempt, and a timed-out attempt is retried', async () => {
    const clock = new ManagedClock();
    const t0 = clock.now();
    const probe = new Probe();
    const hang = deferred();
    let calls = 0;
    const signals: AbortSignal[] = [];
    class Hangs extends Action<Record<string, never>, { ok?: boolean }> {
      static override timeout = 500;
      static override retry = { retries: 1, minTimeout: 100 };
      async run() {
        calls++;
        signals.push(this.signal);
        probe.poke();
        if (calls === 1) await hang.promise;
        this.output.ok = true;
      }
    }
    await withWorld({ clock, actions: [Hangs], logger: silentLogger }, async (world) => {
      const triggered = world.trigger(Hangs);
      await probe.until(() => calls === 1);
      await clock.advance(500);
      expect(signals[0]?.aborted).toBe(true);
      expect(calls).toBe(1);
      await clock.advance(100);
      const plan = await triggered.finished;
      expect(calls).toBe(2);
      expect(signals[1]?.aborted).toBe(false);
      expect(plan.result).toBe('success');
      const step = stepOf(plan, 'Hangs', 'run');
      expect(step.attempts).toHaveLength(2);
      expect(step.attempts?.[0]?.error?.code).toBe(ErrorCode.STEP_TIMEOUT);
      expect(step.attempts?.[0]?.endedAt).toBe(iso(t0 + 500));
      expect(step.attempts?.[1]).toEqual({ startedAt: iso(t0 + 600), endedAt: iso(t0 + 600) });
    });
  });

  it('does not retry a suspension; each execution records its own attempts', async () => {
    const probe = new Probe();
    const handles: SuspendedAction[] = [];
    const events: unknown[] = [];
    class Waits extends Action<Record<string, never>, { got?: JsonValue }> {
      static override retry = { retries: 5, minTimeout: 0 };
      run(event?: JsonValue) {
        events.push(event);
        if (event === undefined) {
          this.suspend((handle) => {
            handles.push(handle);
            probe.poke();
          });
        }
        this.output.got = event;
      }
    }
    const clock = new ManagedClock();
    await withWorld({ clock, actions: [Waits], logger: silentLogger }, async (world) => {
      const triggered = world.trigger(Waits);
      await probe.until(() => handles.length === 1);
      await clock.advance(0); // let the suspension be committed
      const suspended = await world.executionPlan(triggered.id);
      const step = stepOf(suspended!, 'Waits', 'run');
      expect(step.state).toBe('suspended');
      expect(step.attempts).toHaveLength(1);
      expect(step.attempts?.[0]?.error).toBeUndefined();

      await handles[0]?.event('done');
      const plan = await triggered.finished;
      expect(events).toEqual([undefined, 'done']);
      expect(plan.result).toBe('success');
      expect(stepOf(plan, 'Waits', 'run').attempts).toHaveLength(1);
    });
  });

  it('retries finalize as well', async () => {
    const clock = new ManagedClock();
    const probe = new Probe();
    let finalizeCalls = 0;
    class Publish extends Action {
      static override retry = { retries: 1, minTimeout: 500 };
      run() {}
      finalize() {
        finalizeCalls++;
        probe.poke();
        if (finalizeCalls === 1) throw new Error('registry busy');
      }
    }
    await withWorld({ clock, actions: [Publish], logger: silentLogger }, async (world) => {
      const triggered = world.trigger(Publish);
      await probe.until(() => finalizeCalls === 1);
      await clock.advance(499);
      expect(finalizeCalls).toBe(1);
      await clock.advance(1);
      const plan = await triggered.finished;
      expect(finalizeCalls).toBe(2);
      expect(plan.result).toBe('success');
      const step = stepOf(plan, 'Publish', 'finalize');
      expect(step.attempts?.map((a) => a.error?.message)).toEqual(['registry busy', undefined]);
      expect(stepOf(plan, 'Publish', 'run').attempts).toHaveLength(1);
    });
  });

  it('stops waiting when the world closes; the step keeps its last error', async () => {
    const clock = new ManagedClock();
    const adapter = new MemoryAdapter();
    const { probe, calls, Flaky } = flakyAction(Infinity, { retries: 3, minTimeout: 60_000 });
    const world = new World({ clock, adapter, actions: [Flaky], logger: silentLogger });
    await world.start();
    const triggered = world.trigger(Flaky);
    await probe.until(() => calls.length === 1);
    await clock.advance(0);
    // close() drains in-flight steps: it must not wait a minute of clock time for the retry.
    await world.close();
    expect(calls).toEqual([1]);
    const stored = await adapter.loadPlan(triggered.id);
    const step = stored?.steps.find((s) => s.phase === 'run');
    expect(step?.state).toBe('error');
    expect(step?.attempts?.map((a) => a.error?.message)).toEqual(['boom 1']);
    await clock.advance(60_000);
    expect(calls).toEqual([1]);
  });

  it('a plan closed while finalize waits to retry finishes in the next world', async () => {
    const adapter = new MemoryAdapter();
    const probe = new Probe();
    let finalizeCalls = 0;
    class Publish extends Action {
      static override retry = { retries: 2, minTimeout: 60_000 };
      run() {}
      finalize() {
        finalizeCalls++;
        probe.poke();
        if (finalizeCalls === 1) throw new Error('registry busy');
      }
    }
    const first = new World({
      clock: new ManagedClock(),
      adapter,
      actions: [Publish],
      logger: silentLogger,
    });
    await first.start();
    const triggered = first.trigger(Publish);
    await probe.until(() => finalizeCalls === 1);
    await first.close();
    expect((await adapter.loadPlan(triggered.id))?.plan.state).toBe('running');

    // The next world recovers the plan: the failed finalize phase runs again, as on resume.
    await withWorld({ adapter, actions: [Publish], logger: silentLogger }, async (world) => {
      const plan = await planReaching(world, triggered.id, ['stopped']);
      expect(plan.result).toBe('success');
      expect(finalizeCalls).toBe(2);
    });
  });

  it.each([
    [{ retries: -1 }, 'retry.retries'],
    [{ retries: 1.5 }, 'retry.retries'],
    [{}, 'retry.retries'],
    [{ retries: 2, factor: 0 }, 'retry.factor'],
    [{ retries: 2, minTimeout: -1 }, 'retry.minTimeout'],
    [{ retries: 2, maxTimeout: Number.NaN }, 'retry.maxTimeout'],
    [{ retries: 2, minTimout: 10 }, 'unknown option "minTimout"'],
    [3, 'static retry must be an object'],
  ])(
    'rejects static retry = %j when the class is registered, with INVALID_ACTION',
    (retry, message) => {
      class BadRetry extends Action {
        run() {}
      }
      // A value the types refuse, as plain JavaScript (or a cast) could still give it.
      Object.assign(BadRetry, { retry });
      const refused = caughtFlowlineError(
        () => new World({ actions: [BadRetry], logger: silentLogger }),
      );
      expect(refused.code).toBe(ErrorCode.INVALID_ACTION);
      expect(refused.message).toContain('action BadRetry');
      expect(refused.message).toContain(message);
    },
  );
});
