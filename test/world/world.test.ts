import { afterEach, describe, expect, it } from 'vitest';
import type {
  ActionClass,
  ExecutionPlan,
  JsonValue,
  RescueStrategy,
  StepStateEvent,
  WorldOptions,
} from '../../src/index.js';
import { Action, FlowlineError, MemoryAdapter, World, silentLogger } from '../../src/index.js';
import { caughtFlowlineError as syncFailure } from '../helpers/errors.js';

const worlds: World[] = [];
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()));
});

function makeWorld(actions: ActionClass[], options: WorldOptions = {}): World {
  const world = new World({ actions, logger: silentLogger, ...options });
  worlds.push(world);
  return world;
}

async function startWorld(actions: ActionClass[], options: WorldOptions = {}): Promise<World> {
  const world = makeWorld(actions, options);
  await world.start();
  return world;
}

/** The FlowlineError a call throws or rejects with. */
async function failure(fn: () => unknown): Promise<FlowlineError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FlowlineError);
    return error as FlowlineError;
  }
  throw new Error('expected a FlowlineError, nothing was thrown');
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}
function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves with the first step:state event that matches. */
function stepEvent(world: World, match: (e: StepStateEvent) => boolean): Promise<StepStateEvent> {
  return new Promise((resolve) => {
    const off = world.on('step:state', (event) => {
      if (match(event)) {
        off();
        resolve(event);
      }
    });
  });
}

class Noop extends Action {
  run() {}
}

class Failing extends Action {
  override rescueStrategy(): RescueStrategy {
    return 'fail';
  }
  run() {
    throw new Error('nope');
  }
}

describe('new World options', () => {
  for (const bad of [0, -1, 1.5, '3', Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`concurrency ${String(bad)} → INVALID_ARGUMENT`, () => {
      const error = syncFailure(
        () => new World({ concurrency: bad as unknown as number, logger: silentLogger }),
      );
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toContain('concurrency');
      expect(error.message).toContain(String(bad));
    });
  }

  it('accepts a positive integer concurrency', () => {
    expect(() => new World({ concurrency: 1, logger: silentLogger })).not.toThrow();
    expect(() => new World({ concurrency: 64, logger: silentLogger })).not.toThrow();
  });

  it('an empty id → INVALID_ARGUMENT; a given id is kept', () => {
    expect(syncFailure(() => new World({ id: '', logger: silentLogger })).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(new World({ id: 'w-1', logger: silentLogger }).id).toBe('w-1');
  });
});

describe('world lifecycle errors', () => {
  it('before start: WORLD_NOT_STARTED everywhere', async () => {
    const world = makeWorld([Noop]);
    expect(syncFailure(() => world.trigger(Noop)).code).toBe('WORLD_NOT_STARTED');
    for (const call of [
      () => world.plan(Noop),
      () => world.execute('x'),
      () => world.resume('x'),
      () => world.skipStep('x', 1),
      () => world.event('x', 1, {}),
      () => world.executionPlan('x'),
      () => world.executionPlans(),
    ]) {
      expect((await failure(call)).code).toBe('WORLD_NOT_STARTED');
    }
  });

  it('after close: WORLD_CLOSED everywhere', async () => {
    const world = await startWorld([Noop]);
    await world.close();
    expect(syncFailure(() => world.trigger(Noop)).code).toBe('WORLD_CLOSED');
    for (const call of [
      () => world.plan(Noop),
      () => world.execute('x'),
      () => world.resume('x'),
      () => world.event('x', 1, {}),
      () => world.executionPlan('x'),
      () => world.executionPlans(),
    ]) {
      expect((await failure(call)).code).toBe('WORLD_CLOSED');
    }
  });

  it('closing twice is harmless; starting twice is refused', async () => {
    const world = await startWorld([Noop]);
    expect((await failure(() => world.start())).code).toBe('INVALID_ARGUMENT');
    await world.close();
    await expect(world.close()).resolves.toBeUndefined();
  });

  it('a world that was never started can be closed', async () => {
    const world = makeWorld([Noop]);
    await expect(world.close()).resolves.toBeUndefined();
  });
});

describe('bad arguments', () => {
  it('executionPlans with a negative or fractional limit/offset → INVALID_ARGUMENT', async () => {
    const world = await startWorld([Noop]);
    for (const filter of [{ limit: -1 }, { offset: -1 }, { limit: 1.5 }, { offset: Number.NaN }]) {
      const error = await failure(() => world.executionPlans(filter));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(/limit|offset/);
    }
    expect(await world.executionPlans({ limit: 0 })).toEqual([]);
  });

  it('executionPlans filters and pages, newest first', async () => {
    const world = await startWorld([Noop, Failing]);
    const a = await world.trigger(Noop).finished;
    const b = await world.trigger(Failing).finished;
    const c = await world.trigger(Noop).finished;
    const ids = (plans: ExecutionPlan[]) => plans.map((p) => p.id);
    expect(ids(await world.executionPlans())).toEqual([c.id, b.id, a.id]);
    expect(ids(await world.executionPlans({ result: 'error' }))).toEqual([b.id]);
    expect(ids(await world.executionPlans({ label: 'Noop', limit: 1, offset: 1 }))).toEqual([a.id]);
    expect(ids(await world.executionPlans({ state: 'running' }))).toEqual([]);
  });

  it('trigger with arguments that are not JSON → UNSERIALIZABLE_VALUE, nothing stored', async () => {
    const world = await startWorld([Noop]);
    const error = syncFailure(() => world.trigger(Noop, { when: new Map() }));
    expect(error.code).toBe('UNSERIALIZABLE_VALUE');
    expect(error.message).toContain('argument 1 of Noop at when');
    expect(await world.executionPlans()).toEqual([]);
  });

  it('trigger accepts undefined for an optional plan() argument, as its type allows', async () => {
    class Optional extends Action<{ name: string; zone?: string }> {
      override plan(name: string, zone?: string) {
        this.planSelf(zone === undefined ? { name } : { name, zone });
      }
      run() {}
    }
    const world = await startWorld([Optional]);
    const zone: string | undefined = undefined as string | undefined;
    const plan = await world.trigger(Optional, 'web', zone).finished;
    expect(plan.result).toBe('success');
    expect(plan.actions[0]?.input).toEqual({ name: 'web' });
  });

  it('an event with a payload that is not JSON → UNSERIALIZABLE_VALUE naming the path', async () => {
    const world = await startWorld([Noop]);
    const plan = await world.trigger(Noop).finished;
    const error = await failure(() =>
      world.event(plan.id, 2, { nested: [() => 1] } as unknown as JsonValue),
    );
    expect(error.code).toBe('UNSERIALIZABLE_VALUE');
    expect(error.message).toContain('at nested[0]');
    expect((await failure(() => world.event(plan.id, 2, 10n as unknown as JsonValue))).code).toBe(
      'UNSERIALIZABLE_VALUE',
    );
  });

  it('an event for an unknown plan, an unknown step, or a stopped plan', async () => {
    const world = await startWorld([Noop]);
    const plan = await world.trigger(Noop).finished;
    expect((await failure(() => world.event('no-such-plan', 1, {}))).code).toBe('PLAN_NOT_FOUND');
    expect((await failure(() => world.event(plan.id, 99, {}))).code).toBe('STEP_NOT_FOUND');
    expect((await failure(() => world.event(plan.id, 2, {}))).code).toBe('STEP_NOT_SUSPENDED');
  });

  it('execute on an unknown id → PLAN_NOT_FOUND', async () => {
    const world = await startWorld([Noop]);
    const error = await failure(() => world.execute('no-such-plan'));
    expect(error.code).toBe('PLAN_NOT_FOUND');
    expect(error.planId).toBe('no-such-plan');
  });

  it('execute on a stopped plan → INVALID_PLAN_STATE', async () => {
    const world = await startWorld([Noop]);
    const plan = await world.trigger(Noop).finished;
    expect(plan.state).toBe('stopped');
    const error = await failure(() => world.execute(plan.id));
    expect(error.code).toBe('INVALID_PLAN_STATE');
    expect(error.message).toContain('stopped');
    // and the plan is untouched
    expect((await world.executionPlan(plan.id))?.history).toEqual(plan.history);
  });

  it('execute on a plan that failed planning → INVALID_PLAN_STATE', async () => {
    class BadPlan extends Action {
      override plan() {
        throw new Error('bad plan');
      }
    }
    const world = await startWorld([BadPlan]);
    const plan = await world.plan(BadPlan);
    expect(plan.state).toBe('stopped');
    expect((await failure(() => world.execute(plan.id))).code).toBe('INVALID_PLAN_STATE');
  });

  it('resume on a plan that is not paused → INVALID_PLAN_STATE; unknown → PLAN_NOT_FOUND', async () => {
    const world = await startWorld([Noop]);
    const plan = await world.trigger(Noop).finished;
    expect((await failure(() => world.resume(plan.id))).code).toBe('INVALID_PLAN_STATE');
    expect((await failure(() => world.resume('nope'))).code).toBe('PLAN_NOT_FOUND');
  });

  it('executionPlan of an unknown id is undefined', async () => {
    const world = await startWorld([Noop]);
    expect(await world.executionPlan('nope')).toBeUndefined();
  });
});

describe('client-only world (executor: false)', () => {
  it('plans but does not execute: execute throws NOT_AN_EXECUTOR', async () => {
    let runs = 0;
    class Counted extends Action {
      run() {
        runs++;
      }
    }
    const world = await startWorld([Counted], { executor: false });
    const plan = await world.plan(Counted);
    expect(plan.state).toBe('planned');
    expect(plan.result).toBe('pending');
    const error = await failure(() => world.execute(plan.id));
    expect(error.code).toBe('NOT_AN_EXECUTOR');
    const triggered = world.trigger(Counted);
    const finished = await triggered.finished;
    expect(finished.id).toBe(triggered.id);
    expect(finished.state).toBe('planned');
    expect(runs).toBe(0);
    expect((await world.executionPlan(plan.id))?.state).toBe('planned');
  });
});

describe('trigger', () => {
  it('returns the id at once; planned and finished resolve to that plan', async () => {
    const world = await startWorld([Noop]);
    const triggered = world.trigger(Noop);
    expect(triggered.id).toMatch(/^[0-9a-f-]{36}$/);
    const planned = await triggered.planned;
    expect(planned.id).toBe(triggered.id);
    expect(planned.state).toBe('planned');
    const finished = await triggered.finished;
    expect(finished.id).toBe(triggered.id);
    expect(finished.state).toBe('stopped');
    expect(finished.result).toBe('success');
    expect(await world.executionPlan(triggered.id)).toEqual(finished);
  });
});

describe('close', () => {
  it('drains: the step in progress is stored, the next one never starts, finished rejects WORLD_CLOSED', async () => {
    const started = deferred();
    const gate = deferred();
    let afterRuns = 0;
    class Gated extends Action<object, { done: boolean }> {
      async run() {
        started.resolve();
        await gate.promise;
        this.output.done = true;
      }
    }
    class After extends Action {
      run() {
        afterRuns++;
      }
    }
    class Pipeline extends Action {
      override plan() {
        this.sequence(() => {
          this.planAction(Gated);
          this.planAction(After);
        });
      }
    }
    const adapter = new MemoryAdapter();
    const world = await startWorld([Pipeline, Gated, After], { adapter });
    const triggered = world.trigger(Pipeline);
    await started.promise;
    const closing = world.close();
    gate.resolve();
    await closing;

    const stored = await adapter.loadPlan(triggered.id);
    const gated = stored?.actions.find((a) => a.className === 'Gated');
    const after = stored?.actions.find((a) => a.className === 'After');
    expect(stored?.steps.find((s) => s.id === gated?.runStepId)?.state).toBe('success');
    expect(gated?.output).toEqual({ done: true });
    expect(stored?.steps.find((s) => s.id === after?.runStepId)?.state).toBe('pending');
    expect(stored?.plan.state).toBe('running');
    expect(afterRuns).toBe(0);

    const error = await failure(() => triggered.finished);
    expect(error.code).toBe('WORLD_CLOSED');
    expect(error.planId).toBe(triggered.id);
  });

  it('resolves while a step is suspended; finished rejects WORLD_CLOSED', async () => {
    class Waits extends Action {
      run() {
        this.suspend();
      }
    }
    const adapter = new MemoryAdapter();
    const world = await startWorld([Waits], { adapter });
    const suspended = stepEvent(world, (e) => e.state === 'suspended');
    const triggered = world.trigger(Waits);
    await suspended;
    await world.close();
    expect((await failure(() => triggered.finished)).code).toBe('WORLD_CLOSED');
    const stored = await adapter.loadPlan(triggered.id);
    expect(stored?.steps[1]?.state).toBe('suspended');
    expect(stored?.plan.state).toBe('running');
  });

  it('lets a plan phase in progress finish and store its plan', async () => {
    const release = deferred();
    const planning = deferred();
    class SlowPlan extends Action {
      override async plan() {
        planning.resolve();
        await release.promise;
        this.planSelf({});
      }
      run() {}
    }
    const adapter = new MemoryAdapter();
    const world = await startWorld([SlowPlan], { adapter });
    const triggered = world.trigger(SlowPlan);
    await planning.promise;
    const closing = world.close();
    release.resolve();
    await closing;
    const planned = await triggered.planned;
    expect(planned.state).toBe('planned');
    expect((await adapter.loadPlan(triggered.id))?.plan.state).toBe('planned');
  });
});

describe('outputs that are not JSON', () => {
  it('fail the step with UNSERIALIZABLE_VALUE and keep the previous output (error, then resume)', async () => {
    let attempt = 0;
    class Flaky extends Action<object> {
      run() {
        attempt++;
        if (attempt === 1) {
          this.output.first = 1;
          throw new Error('first attempt fails');
        }
        this.output.second = 2;
        this.output.callback = () => 1;
      }
    }
    const world = await startWorld([Flaky]);
    const paused = await world.trigger(Flaky).finished;
    expect(paused.state).toBe('paused');
    expect(paused.actions[0]?.output).toEqual({ first: 1 });

    const resumed = await world.resume(paused.id);
    expect(attempt).toBe(2);
    expect(resumed.state).toBe('paused');
    expect(resumed.result).toBe('error');
    const run = resumed.steps[1];
    expect(run?.state).toBe('error');
    expect(run?.error?.code).toBe('UNSERIALIZABLE_VALUE');
    expect(run?.error?.message).toContain('output of Flaky');
    expect(run?.error?.message).toContain('at callback');
    expect(resumed.actions[0]?.output).toEqual({ first: 1 });
    expect((await world.executionPlan(paused.id))?.actions[0]?.output).toEqual({ first: 1 });
  });

  it('keep the output committed before a suspension', async () => {
    class Suspends extends Action<object> {
      override rescueStrategy(): RescueStrategy {
        return 'fail';
      }
      run(event?: unknown) {
        if (event === undefined) {
          this.output.before = 'suspend';
          this.suspend();
        }
        this.output.map = new Map();
      }
    }
    const world = await startWorld([Suspends]);
    const suspended = stepEvent(world, (e) => e.state === 'suspended');
    const triggered = world.trigger(Suspends);
    const { planId, stepId } = await suspended;
    expect((await world.executionPlan(planId))?.actions[0]?.output).toEqual({ before: 'suspend' });
    await world.event(planId, stepId, { go: true });
    const plan = await triggered.finished;
    expect(plan.state).toBe('stopped');
    expect(plan.result).toBe('error');
    expect(plan.steps[1]?.error?.code).toBe('UNSERIALIZABLE_VALUE');
    expect(plan.steps[1]?.error?.message).toContain('at map');
    expect(plan.actions[0]?.output).toEqual({ before: 'suspend' });
  });

  it('on a first run leave the output empty', async () => {
    class BadOutput extends Action<object> {
      override rescueStrategy(): RescueStrategy {
        return 'fail';
      }
      run() {
        this.output.ok = 'yes';
        this.output.big = 1n;
      }
    }
    const world = await startWorld([BadOutput]);
    const plan = await world.trigger(BadOutput).finished;
    expect(plan.steps[1]?.error?.code).toBe('UNSERIALIZABLE_VALUE');
    expect(plan.steps[1]?.error?.message).toContain('at big');
    expect(plan.actions[0]?.output).toEqual({});
  });
});
