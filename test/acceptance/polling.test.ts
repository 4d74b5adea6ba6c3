/**
 * Polling actions (Dynflow's `Action::Polling`) and the planned events they are built on
 * (`planEvent`, `scheduleTimeout`). A polling step invokes an external task once, records it in its
 * output, and polls it at growing intervals, suspended in between. Time is a ManagedClock: every
 * poll happens at an exact managed time and nothing here sleeps.
 */
import os from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import type { JsonValue, StepRecord, World } from '../../src/index.js';
import {
  Action,
  ErrorCode,
  MemoryAdapter,
  PollingAction,
  World as WorldClass,
  silentLogger,
} from '../../src/index.js';
import { ManagedClock } from '../../src/testing/index.js';
import { Probe, planReaching, stepOf, withWorld } from '../helpers/world.js';

/** What the build farm answers to one poll. */
type Reply = 'running' | 'finished' | 'fail';

/** The task: JSON data kept in the step's output. */
interface Build {
  id: string;
  state: 'running' | 'finished';
  polls: number;
  imageId?: string;
}

interface FarmSettings {
  intervals?: readonly number[];
  perInterval?: number;
  maxRetries?: number;
  /** Calls `scheduleTimeout(ms)` when the task is invoked. */
  timeoutMs?: number;
  /** How many invocations throw before one succeeds. */
  invokeFailures?: number;
  idempotent?: boolean;
}

/**
 * A simulated build farm and a polling action using it. `replies` is consumed one per poll; the
 * test can push more. `seen` records when (ms after the start) the task was invoked and polled, and
 * counts the run step's settlements (suspended, success or error) to wait on.
 */
function buildFarm(replies: Reply[], settings: FarmSettings = {}) {
  const clock = new ManagedClock();
  const start = clock.now();
  const probe = new Probe();
  const seen = { invoked: [] as number[], polls: [] as number[], settled: 0 };
  let invokeFailures = settings.invokeFailures ?? 0;

  class BuildImage extends PollingAction<{ recipe: string }, { imageId?: string }, Build> {
    static override readonly idempotent = settings.idempotent ?? false;
    override attemptsBeforeNextInterval = settings.perInterval ?? 5;
    override pollMaxRetries = settings.maxRetries ?? 3;

    override plan(recipe = 'fedora') {
      this.planSelf({ recipe });
    }
    override pollIntervals(): readonly number[] {
      return settings.intervals ?? super.pollIntervals();
    }
    protected override async initiateExternalAction(): Promise<void> {
      if (settings.timeoutMs !== undefined) this.scheduleTimeout(settings.timeoutMs);
      await super.initiateExternalAction();
    }
    override invokeExternalTask(): Build {
      seen.invoked.push(clock.now() - start);
      probe.poke();
      if (invokeFailures-- > 0) throw new Error('build farm refused the job');
      return { id: `build-${seen.invoked.length}`, state: 'running', polls: 0 };
    }
    override async pollExternalTask(build: Build): Promise<Build> {
      seen.polls.push(clock.now() - start);
      probe.poke();
      await Promise.resolve();
      const reply = replies.shift();
      if (reply === undefined) throw new Error('the test gave no reply for this poll');
      if (reply === 'fail') throw new Error('build farm unavailable');
      const polled: Build = { ...build, polls: build.polls + 1, state: reply };
      if (reply === 'finished') polled.imageId = `image-of-${build.id}`;
      return polled;
    }
    override done(build: Build): boolean {
      return build.state === 'finished';
    }
    override onFinish(build: Build): void {
      this.output.imageId = build.imageId;
    }
  }

  return {
    clock,
    start,
    seen,
    replies,
    BuildImage,
    options: { clock, actions: [BuildImage], logger: silentLogger },
    /** Counts the run step's settlements in `world`. */
    watch(world: World): void {
      world.on('step:state', (event) => {
        if (event.phase !== 'run' || !['suspended', 'success', 'error'].includes(event.state))
          return;
        seen.settled++;
        probe.poke();
      });
    },
    until(check: () => boolean): Promise<void> {
      return probe.until(check);
    },
    /**
     * Expects one poll at each of `times` (ms after the start) and none a millisecond earlier,
     * waiting after each for the step to settle again.
     */
    async expectPollsAt(times: readonly number[]): Promise<void> {
      for (const at of times) {
        const polls = seen.polls.length;
        const settled = seen.settled;
        await clock.advanceTo(start + at - 1);
        expect(seen.polls, `no poll before ${at} ms`).toHaveLength(polls);
        await clock.advanceTo(start + at);
        await probe.until(() => seen.settled === settled + 1);
        expect(seen.polls.slice(polls)).toEqual([at]);
      }
    },
  };
}

describe('polling actions', () => {
  it('polls at each interval, moving to the next one after attemptsBeforeNextInterval polls', async () => {
    const farm = buildFarm(['running', 'running', 'running', 'running', 'finished'], {
      intervals: [1, 2],
      perInterval: 2,
    });
    await withWorld(farm.options, async (world) => {
      farm.watch(world);
      const triggered = world.trigger(farm.BuildImage, 'fedora');
      await farm.until(() => farm.seen.settled === 1);
      expect(farm.seen.invoked).toEqual([0]);
      expect(farm.seen.polls).toEqual([]);

      // Two polls 1 s apart, then 2 s apart, and the last interval sticks.
      await farm.expectPollsAt([1000, 2000, 4000, 6000, 8000]);
      const plan = await triggered.finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');
      expect(farm.seen.invoked).toEqual([0]);
      expect(plan.actions[0]?.output).toEqual({
        task: { id: 'build-1', state: 'finished', polls: 5, imageId: 'image-of-build-1' },
        pollAttempts: { total: 5, failed: 0 },
        imageId: 'image-of-build-1',
      });
    });
  });

  it('by default polls five times at each of 0.5, 1, 2, 4, 8 and 16 s', async () => {
    const farm = buildFarm(['running', 'running', 'running', 'running', 'running', 'finished']);
    await withWorld(farm.options, async (world) => {
      farm.watch(world);
      const triggered = world.trigger(farm.BuildImage);
      await farm.until(() => farm.seen.settled === 1);
      await farm.expectPollsAt([500, 1000, 1500, 2000, 2500, 3500]);
      expect((await triggered.finished).result).toBe('success');
    });
  });

  it('while suspended between polls the step holds no worker and the plan is running', async () => {
    const farm = buildFarm(['finished'], { intervals: [10] });
    await withWorld(farm.options, async (world) => {
      farm.watch(world);
      const triggered = world.trigger(farm.BuildImage);
      await farm.until(() => farm.seen.settled === 1);
      const during = await world.executionPlan(triggered.id);
      expect(during?.state).toBe('running');
      expect(stepOf(during!, 'BuildImage', 'run').state).toBe('suspended');
      expect(during?.actions[0]?.output).toEqual({
        task: { id: 'build-1', state: 'running', polls: 0 },
        pollAttempts: { total: 0, failed: 0 },
      });
      await farm.expectPollsAt([10_000]);
      expect((await triggered.finished).result).toBe('success');
    });
  });

  it('a task done as soon as it is invoked finishes the step without polling', async () => {
    const farm = buildFarm([]);
    class QuickBuild extends farm.BuildImage {
      override invokeExternalTask(): Build {
        return { id: 'cached', state: 'finished', polls: 0, imageId: 'cached-image' };
      }
    }
    await withWorld({ ...farm.options, actions: [QuickBuild] }, async (world) => {
      const plan = await world.trigger(QuickBuild).finished;
      expect(plan.result).toBe('success');
      expect(farm.seen.polls).toEqual([]);
      expect(plan.actions[0]?.output).toMatchObject({ imageId: 'cached-image' });
    });
  });

  it('three failed polls in a row fail the step with the last poll error', async () => {
    const farm = buildFarm(['running', 'fail', 'fail', 'fail'], { intervals: [1] });
    await withWorld(farm.options, async (world) => {
      farm.watch(world);
      const triggered = world.trigger(farm.BuildImage);
      await farm.until(() => farm.seen.settled === 1);
      await farm.expectPollsAt([1000, 2000, 3000, 4000]);

      const plan = await triggered.finished;
      expect(plan.state).toBe('paused');
      expect(plan.result).toBe('error');
      const step = stepOf(plan, 'BuildImage', 'run');
      expect(step.state).toBe('error');
      expect(step.error?.message).toBe('build farm unavailable');
      expect(plan.actions[0]?.output).toMatchObject({ pollAttempts: { total: 4, failed: 3 } });
      expect(farm.seen.invoked).toEqual([0]);

      const lines = await world.stepLog(triggered.id, step.id);
      expect(lines.map((l) => [l.level, l.message])).toEqual([
        ['warn', 'polling failed (1 of 3 in a row), retrying in 1 s: build farm unavailable'],
        ['warn', 'polling failed (2 of 3 in a row), retrying in 1 s: build farm unavailable'],
        ['error', 'polling failed 3 times in a row; giving up: build farm unavailable'],
      ]);
    });
  });

  it('a successful poll resets the count: two failures, a success and two failures do not fail', async () => {
    const farm = buildFarm(['fail', 'fail', 'running', 'fail', 'fail', 'finished'], {
      intervals: [1],
    });
    await withWorld(farm.options, async (world) => {
      farm.watch(world);
      const triggered = world.trigger(farm.BuildImage);
      await farm.until(() => farm.seen.settled === 1);
      await farm.expectPollsAt([1000, 2000, 3000, 4000, 5000, 6000]);
      const plan = await triggered.finished;
      expect(plan.result).toBe('success');
      expect(plan.actions[0]?.output).toMatchObject({
        pollAttempts: { total: 6, failed: 0 },
        imageId: 'image-of-build-1',
      });
      expect(farm.seen.invoked).toEqual([0]);
    });
  });

  it('pollMaxRetries sets how many failures in a row fail the step', async () => {
    const farm = buildFarm(['fail'], { intervals: [1], maxRetries: 1 });
    await withWorld(farm.options, async (world) => {
      farm.watch(world);
      const triggered = world.trigger(farm.BuildImage);
      await farm.until(() => farm.seen.settled === 1);
      await farm.expectPollsAt([1000]);
      const failed = await triggered.finished;
      expect(failed.state).toBe('paused');
      expect(stepOf(failed, 'BuildImage', 'run').error?.message).toBe('build farm unavailable');
    });
  });

  it('a resumed step with a recorded task polls it instead of invoking another, with a fresh retry allowance', async () => {
    const farm = buildFarm(['fail', 'fail', 'fail'], { intervals: [1] });
    await withWorld(farm.options, async (world) => {
      farm.watch(world);
      const triggered = world.trigger(farm.BuildImage);
      await farm.until(() => farm.seen.settled === 1);
      await farm.expectPollsAt([1000, 2000, 3000]);
      const paused = await triggered.finished;
      expect(paused.state).toBe('paused');

      // On resume the task is polled at once; one more failure does not fail it again.
      farm.replies.push('fail', 'finished');
      const resumed = world.resume(triggered.id);
      await farm.until(() => farm.seen.polls.length === 4);
      expect(farm.seen.polls[3]).toBe(3000);
      await farm.until(() => farm.seen.settled === 5);
      await farm.expectPollsAt([4000]);
      const plan = await resumed;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');
      expect(farm.seen.invoked).toEqual([0]);
      expect(plan.actions[0]?.output).toMatchObject({
        task: { id: 'build-1', state: 'finished' },
        pollAttempts: { total: 5, failed: 0 },
      });
    });
  });

  it('a step whose task was never recorded invokes it again when resumed', async () => {
    const farm = buildFarm(['finished'], { intervals: [1], invokeFailures: 1 });
    await withWorld(farm.options, async (world) => {
      farm.watch(world);
      const paused = await world.trigger(farm.BuildImage).finished;
      expect(paused.state).toBe('paused');
      expect(stepOf(paused, 'BuildImage', 'run').error?.message).toBe('build farm refused the job');
      expect(paused.actions[0]?.output).toEqual({});

      await farm.clock.advance(5000);
      const resumed = world.resume(paused.id);
      await farm.until(() => farm.seen.settled === 2);
      await farm.expectPollsAt([6000]);
      const plan = await resumed;
      expect(plan.result).toBe('success');
      expect(farm.seen.invoked).toEqual([0, 5000]);
      expect(plan.actions[0]?.output).toMatchObject({ imageId: 'image-of-build-2' });
    });
  });

  it('scheduleTimeout fails a step whose task outlasts it with STEP_TIMEOUT; no poll follows', async () => {
    const farm = buildFarm(['running', 'running', 'running'], { intervals: [2], timeoutMs: 5000 });
    await withWorld(farm.options, async (world) => {
      farm.watch(world);
      const triggered = world.trigger(farm.BuildImage);
      await farm.until(() => farm.seen.settled === 1);
      await farm.expectPollsAt([2000, 4000]);
      await farm.clock.advanceTo(farm.start + 5000);
      const plan = await triggered.finished;
      expect(plan.state).toBe('paused');
      const step = stepOf(plan, 'BuildImage', 'run');
      expect(step.error?.code).toBe(ErrorCode.STEP_TIMEOUT);
      expect(step.error?.message).toContain('within the 5000 ms of its scheduleTimeout');
      expect(step.endedAt).toBe(new Date(farm.start + 5000).toISOString());

      // The poll planned for 6 s was dropped with the step.
      await farm.clock.advance(10_000);
      expect(farm.seen.polls).toEqual([2000, 4000]);
    });
  });

  it('an event the polling action does not know fails the step', async () => {
    const farm = buildFarm([], { intervals: [60] });
    await withWorld(farm.options, async (world) => {
      farm.watch(world);
      const triggered = world.trigger(farm.BuildImage);
      await farm.until(() => farm.seen.settled === 1);
      const stepId = stepOf(await triggered.planned, 'BuildImage', 'run').id;
      await world.event(triggered.id, stepId, { surprise: true });
      const plan = await triggered.finished;
      const step = stepOf(plan, 'BuildImage', 'run');
      expect(step.error?.code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(step.error?.message).toContain('unrecognized event {"surprise":true}');
    });
  });

  it('a recovered idempotent polling step, interrupted mid-poll, polls its recorded task', async () => {
    const farm = buildFarm(['finished'], { intervals: [1], idempotent: true });
    const adapter = new MemoryAdapter();
    const planner = new WorldClass({ adapter, actions: [farm.BuildImage], executor: false });
    await planner.start();
    const planned = await planner.plan(farm.BuildImage);
    await planner.close();

    // Leave the store as a world that died mid-poll would: the task recorded, the step running.
    const stored = (await adapter.loadPlan(planned.id))!;
    const step = stored.steps.find((s) => s.phase === 'run') as StepRecord;
    const action = stored.actions[0]!;
    const heartbeatAt = new Date(farm.start).toISOString();
    await adapter.write({
      plans: [{ ...stored.plan, state: 'running' }],
      steps: [
        { planId: planned.id, record: { ...step, state: 'running', startedAt: heartbeatAt } },
      ],
      actions: [
        {
          planId: planned.id,
          record: {
            ...action,
            output: {
              task: { id: 'build-1', state: 'running', polls: 2 },
              pollAttempts: { total: 2, failed: 0 },
            },
          },
        },
      ],
    });
    // A world on this host whose pid no process has (beyond the Linux pid range).
    const dead = { host: os.hostname(), pid: 4_194_304 + 17, heartbeatAt };
    await adapter.registerWorld({ id: 'dead', ...dead, executor: true, startedAt: heartbeatAt });
    await adapter.acquireLock({
      key: `execution-plan:${planned.id}`,
      ownerId: 'dead',
      planId: planned.id,
      acquiredAt: heartbeatAt,
    });

    await withWorld({ ...farm.options, adapter }, async (world) => {
      const plan = await planReaching(world, planned.id, ['stopped']);
      expect(plan.result).toBe('success');
      expect(farm.seen.invoked).toEqual([]);
      expect(farm.seen.polls).toEqual([0]);
      expect(plan.actions[0]?.output).toMatchObject({
        task: { id: 'build-1', state: 'finished', polls: 3 },
        pollAttempts: { total: 3, failed: 0 },
      });
    });
  });

  it('after a restart a suspended polling step polls again: the recovering world nudges it', async () => {
    const farm = buildFarm(['finished'], { intervals: [1] });
    const adapter = new MemoryAdapter();
    let id = '';
    await withWorld({ ...farm.options, adapter }, async (world) => {
      farm.watch(world);
      id = world.trigger(farm.BuildImage).id;
      await farm.until(() => farm.seen.settled === 1);
    });
    // Closing the world cleared its timers: nothing is left to fire.
    expect(farm.clock.pending).toBe(0);

    await withWorld({ ...farm.options, adapter }, async (world) => {
      // The recovering world sends PollingAction's recoveryEvent: the recorded task is polled, at
      // once and without invoking it again.
      const plan = await planReaching(world, id, ['stopped']);
      expect(plan.result).toBe('success');
      expect(farm.seen.polls).toEqual([0]);
      expect(farm.seen.invoked).toEqual([0]);
    });
  });
});

describe('planEvent and scheduleTimeout', () => {
  /** An action that plans `payload` for itself `delayMs` after its first run, then records it. */
  function planner(plan: (action: Action) => void) {
    const clock = new ManagedClock();
    const start = clock.now();
    const received: { event: JsonValue | undefined; at: number; timeout: boolean }[] = [];
    const probe = new Probe();
    class Planner extends Action<Record<string, never>, { got?: JsonValue }> {
      run(event?: JsonValue) {
        received.push({ event, at: clock.now() - start, timeout: Action.isTimeout(event) });
        probe.poke();
        if (event !== undefined) {
          this.output.got = event;
          return;
        }
        plan(this);
        this.suspend();
      }
    }
    return { clock, start, received, probe, Planner };
  }

  it('sends the payload to the step after the delay on the world clock', async () => {
    const { clock, start, received, probe, Planner } = planner((a) => {
      a.planEvent({ wake: 1 }, 3000);
    });
    await withWorld({ clock, actions: [Planner], logger: silentLogger }, async (world) => {
      const triggered = world.trigger(Planner);
      await probe.until(() => received.length === 1);
      await clock.advanceTo(start + 2999);
      expect(received).toHaveLength(1);
      await clock.advanceTo(start + 3000);
      const plan = await triggered.finished;
      expect(plan.result).toBe('success');
      expect(received).toEqual([
        { event: undefined, at: 0, timeout: false },
        { event: { wake: 1 }, at: 3000, timeout: false },
      ]);
    });
  });

  it('scheduleTimeout sends an event that Action.isTimeout recognises', async () => {
    const { clock, received, probe, Planner } = planner((a) => {
      a.scheduleTimeout(1500);
    });
    await withWorld({ clock, actions: [Planner], logger: silentLogger }, async (world) => {
      const triggered = world.trigger(Planner);
      await probe.until(() => received.length === 1);
      await clock.advance(1500);
      const plan = await triggered.finished;
      expect(received[1]).toEqual({
        event: { $flowline: 'timeout', afterMs: 1500 },
        at: 1500,
        timeout: true,
      });
      expect(plan.actions[0]?.output).toEqual({ got: { $flowline: 'timeout', afterMs: 1500 } });
      expect(Action.isTimeout({ $flowline: 'poll' })).toBe(false);
      expect(Action.isTimeout('timeout')).toBe(false);
    });
  });

  it('events planned by a call that does not suspend are never sent', async () => {
    const clock = new ManagedClock();
    let runs = 0;
    class Eager extends Action {
      run() {
        runs++;
        this.planEvent('late', 1000);
      }
    }
    await withWorld({ clock, actions: [Eager], logger: silentLogger }, async (world) => {
      const send = vi.spyOn(world, 'event');
      expect((await world.trigger(Eager).finished).result).toBe('success');
      await clock.advance(5000);
      expect(runs).toBe(1);
      expect(send).not.toHaveBeenCalled();
    });
  });

  it('a step that ends drops the events it still has planned', async () => {
    const { clock, received, probe, Planner } = planner((a) => {
      a.scheduleTimeout(10_000);
      a.planEvent('tick', 1000);
    });
    await withWorld({ clock, actions: [Planner], logger: silentLogger }, async (world) => {
      const send = vi.spyOn(world, 'event');
      const triggered = world.trigger(Planner);
      await probe.until(() => received.length === 1);
      await clock.advance(1000);
      expect((await triggered.finished).result).toBe('success');
      await clock.advance(20_000);
      expect(send).toHaveBeenCalledTimes(1);
      expect(received.map((r) => r.event)).toEqual([undefined, 'tick']);
    });
  });

  it('refuses a bad delay, a payload that is not JSON, and use outside run', async () => {
    const attempts: [string, (a: Action) => void][] = [
      ['negative', (a) => a.planEvent('x', -1)],
      ['NaN', (a) => a.planEvent('x', Number.NaN)],
      ['not JSON', (a) => a.planEvent(new Map() as unknown as JsonValue, 10)],
      ['timeout', (a) => a.scheduleTimeout(Number.POSITIVE_INFINITY)],
    ];
    for (const [name, plan] of attempts) {
      const { clock, Planner } = planner(plan);
      await withWorld({ clock, actions: [Planner], logger: silentLogger }, async (world) => {
        const failed = await world.trigger(Planner).finished;
        const error = stepOf(failed, 'Planner', 'run').error;
        expect(error?.code, name).toBe(
          name === 'not JSON' ? ErrorCode.UNSERIALIZABLE_VALUE : ErrorCode.INVALID_ARGUMENT,
        );
      });
    }

    class InFinalize extends Action {
      finalize() {
        this.planEvent('x', 1);
      }
    }
    await withWorld({ actions: [InFinalize], logger: silentLogger }, async (world) => {
      const failed = await world.trigger(InFinalize).finished;
      expect(stepOf(failed, 'InFinalize', 'finalize').error?.code).toBe(ErrorCode.PHASE_MISUSE);
    });
  });
});
