/**
 * Whatever an action throws — null, undefined, a symbol, a revoked Proxy, an Error whose getters
 * throw, an object that cannot be turned into text — is normalised where it leaves the action: the
 * step ends `error` with a readable error, the plan pauses or stops by its rescue strategy,
 * `finished` resolves, and resume, halt and cancel work (issue 11, defects 4 and 9). The same in
 * `run`, `finalize`, `plan`, middleware and `rescueStrategy`.
 */
import { describe, expect, it } from 'vitest';
import type {
  ActionClass,
  ExecutionPlan,
  JsonValue,
  Logger,
  Middleware,
  RescueStrategy,
  WorldOptions,
} from '../../src/index.js';
import { inspect } from 'node:util';
import { Action, MemoryAdapter } from '../../src/index.js';
import type { HostileThrow } from '../helpers/hostile-values.js';
import { hostileThrows } from '../helpers/hostile-values.js';
import { nextEvent, stepOf, withWorld } from '../helpers/world.js';

/** What the actions below throw, and where; cleared to let a resumed plan succeed. */
let hostile: { readonly where: string; readonly make: () => unknown } | undefined;

function raise(where: string): void {
  if (hostile?.where !== where) return;
  const value = hostile.make();
  // Throwing anything at all is the point.
  throw value;
}

class Work extends Action {
  run(): void {
    raise('run');
    this.output.done = true;
  }
  finalize(): void {
    raise('finalize');
  }
}

class Picky extends Action {
  run(): void {
    if (hostile?.where === 'rescueStrategy') throw new Error('ordinary failure');
  }
  override rescueStrategy(): RescueStrategy {
    raise('rescueStrategy');
    return 'fail';
  }
}

class Planner extends Action {
  override plan(): void {
    raise('plan');
    this.planAction(Work);
  }
}

/** A parent whose child's plan() throws: the child's step holds the error. */
class Parent extends Action {
  override plan(): void {
    this.planAction(Planner);
  }
}

/** Throws inside a concurrence callback. */
class Concurrent extends Action {
  override plan(): void {
    this.concurrence(() => {
      this.planAction(Work);
      raise('concurrence');
    });
  }
}

/** Suspends; its cancel() and its execution-plan hook throw. */
class Cancellable extends Action {
  static override executionPlanHooks = Action.executionPlanHooks.use('audit');
  run(event?: JsonValue): void {
    if (event === undefined) this.suspend();
  }
  cancel(): void {
    raise('cancel');
  }
  audit(): void {
    raise('hook');
  }
}

class AsyncPlanner extends Action {
  override async plan(): Promise<void> {
    await Promise.resolve();
    raise('async plan');
    this.planAction(Work);
  }
}

/** World middleware that throws in the hook named by `hostile.where` (`middleware:<hook>`). */
const middleware: Middleware = {
  name: 'hostile',
  async plan(next, args) {
    raise('middleware:plan');
    await next(args);
  },
  async run(next, event) {
    raise('middleware:run');
    await next(event);
  },
  async finalize(next) {
    raise('middleware:finalize');
    await next();
  },
  async planPhase(next) {
    raise('middleware:planPhase');
    await next();
  },
  async finalizePhase(next) {
    raise('middleware:finalizePhase');
    await next();
  },
};

/** A logger that looks into what it is given, as a console logger does (util.inspect). */
const inspectingLogger: Logger = {
  debug: (message, meta) => log(message, meta),
  info: (message, meta) => log(message, meta),
  warn: (message, meta) => log(message, meta),
  error: (message, meta) => log(message, meta),
};

/** The messages the logger could print, meta included. */
const logged: string[] = [];

function log(message: string, meta: unknown): void {
  inspect({ message, meta });
  logged.push(message);
}

const actions = [Work, Picky, Planner, Parent, Concurrent, AsyncPlanner, Cancellable];
/** World options for a test of `where`: the hostile middleware only where it is tested. */
function options(where: string): WorldOptions {
  return {
    adapter: new MemoryAdapter(),
    actions,
    logger: inspectingLogger,
    middleware: where.startsWith('middleware:') ? [middleware] : [],
  };
}

/** The plan's failed step (the only one in state error). */
function failedStep(plan: ExecutionPlan): ExecutionPlan['steps'][number] {
  const failed = plan.steps.filter((step) => step.state === 'error');
  expect(failed, 'steps in error').toHaveLength(1);
  return failed[0] as ExecutionPlan['steps'][number];
}

describe.each(hostileThrows)('thrown: $name', (thrown: HostileThrow) => {
  for (const where of ['run', 'finalize', 'middleware:run', 'middleware:finalize']) {
    it(`in ${where}: the step ends error, the plan pauses; halt, cancel and resume work`, async () => {
      await withWorld(options(where), async (world) => {
        hostile = { where, make: thrown.make };
        const runs = [world.trigger(Work), world.trigger(Work), world.trigger(Work)];
        const paused = await Promise.all(runs.map((run) => run.finished));
        for (const plan of paused) {
          expect(plan.state).toBe('paused');
          expect(plan.result).toBe('error');
          const step = failedStep(plan);
          expect(step.phase).toBe(where.endsWith('finalize') ? 'finalize' : 'run');
          expect(step.error?.message).toMatch(thrown.says);
          expect(typeof step.error?.className).toBe('string');
        }
        const [toResume, toHalt, toCancel] = paused.map((plan) => plan.id) as [
          string,
          string,
          string,
        ];
        await world.halt(toHalt);
        expect((await world.executionPlan(toHalt))?.state).toBe('stopped');
        await world.cancel(toCancel);
        const cancelled = await world.executionPlan(toCancel);
        expect(cancelled?.state).toBe('stopped');
        // A failed finalize step stays failed: nothing was left to cancel.
        expect(cancelled?.result).toBe(where.endsWith('finalize') ? 'error' : 'cancelled');
        hostile = undefined;
        const resumed = await world.resume(toResume);
        expect(resumed).toMatchObject({ state: 'stopped', result: 'success' });
      });
    });
  }

  it('in rescueStrategy: the plan pauses (the strategy counts as pause) and resumes', async () => {
    await withWorld(options('rescueStrategy'), async (world) => {
      hostile = { where: 'rescueStrategy', make: thrown.make };
      const plan = await world.trigger(Picky).finished;
      expect(plan.state).toBe('paused');
      expect(failedStep(plan).error?.message).toBe('ordinary failure');
      hostile = undefined;
      expect(await world.resume(plan.id)).toMatchObject({ state: 'stopped', result: 'success' });
    });
  });

  const planning: [where: string, root: ActionClass, className: string][] = [
    ['plan', Planner, 'Planner'],
    ['async plan', AsyncPlanner, 'AsyncPlanner'],
    ['concurrence', Concurrent, 'Concurrent'],
    ['middleware:plan', Planner, 'Planner'],
    ['middleware:planPhase', Planner, 'Planner'],
  ];
  for (const [where, root, className] of planning) {
    it(`in ${where}: a stored stopped/error plan with the error on the plan step`, async () => {
      await withWorld(options(where), async (world) => {
        hostile = { where, make: thrown.make };
        const triggered = world.trigger(root);
        const planned = await triggered.planned;
        expect(planned).toMatchObject({ state: 'stopped', result: 'error' });
        const step = stepOf(planned, className, 'plan');
        expect(step.state).toBe('error');
        expect(step.error?.message).toMatch(thrown.says);
        expect(await triggered.finished).toMatchObject({ state: 'stopped', result: 'error' });
        expect((await world.executionPlan(triggered.id))?.state).toBe('stopped');
        expect(planned.steps.some((s) => s.phase === 'run' && s.state !== 'pending')).toBe(false);
      });
    });
  }

  it('in finalizePhase middleware: noted in the plan history, and the plan goes on', async () => {
    await withWorld(options('middleware:finalizePhase'), async (world) => {
      hostile = { where: 'middleware:finalizePhase', make: thrown.make };
      const plan = await world.trigger(Work).finished;
      expect(plan.state).toBe('stopped');
      const noted = plan.history.filter((entry) => entry.event.startsWith('finalizePhase'));
      expect(noted).toHaveLength(1);
      expect(noted[0]?.event.replace('finalizePhase middleware failed: ', '')).toMatch(thrown.says);
    });
  });

  for (const where of ['cancel', 'hook', 'listener']) {
    it(`in ${where === 'hook' ? 'an execution-plan hook' : where === 'cancel' ? "an action's cancel()" : 'a world event listener'}: logged, and the plan stops`, async () => {
      await withWorld(options(where), async (world) => {
        hostile = { where, make: thrown.make };
        world.on('plan:state', () => {
          raise('listener');
        });
        const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
        const triggered = world.trigger(Cancellable);
        await suspended;
        logged.length = 0;
        await world.cancel(triggered.id);
        expect(await triggered.finished).toMatchObject({ state: 'stopped', result: 'cancelled' });
        await world.close();
        const said = {
          cancel: /^cancel\(false\) of Cancellable .* threw; the step is cancelled anyway$/,
          hook: /^execution-plan hook Cancellable\.audit \(.*\) of plan .* threw; the plan is not affected$/,
          listener: /^a "plan:state" listener threw; the engine carries on$/,
        }[where];
        expect(logged.some((message) => said?.test(message))).toBe(true);
      });
    });
  }

  it("in a child's plan: the child's plan step holds it, its parent's says PLANNING_ABORTED", async () => {
    await withWorld(options('plan'), async (world) => {
      hostile = { where: 'plan', make: thrown.make };
      const planned = await world.plan(Parent);
      expect(planned).toMatchObject({ state: 'stopped', result: 'error' });
      expect(stepOf(planned, 'Planner', 'plan').error?.message).toMatch(thrown.says);
      expect(stepOf(planned, 'Parent', 'plan').error?.code).toBe('PLANNING_ABORTED');
    });
  });
});
