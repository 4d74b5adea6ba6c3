import { describe, expect, it } from 'vitest';
import type { JsonValue, Middleware } from '../../src/index.js';
import { Action, MiddlewareStack } from '../../src/index.js';
import { withWorld } from '../helpers/world.js';

const log: string[] = [];

function around(name: string): Middleware {
  return {
    name,
    async run(next, event, { action }) {
      log.push(`${name}>run(${action?.constructor.name ?? '?'})`);
      await next(event);
      log.push(`<${name}`);
    },
  };
}

class Base extends Action {
  static override middleware = Action.middleware.use(around('parent'));
}

class Provision extends Base {
  static override middleware = Base.middleware.use(around('class'));
  run(event?: JsonValue) {
    log.push(`run(${JSON.stringify(event ?? null)})`);
  }
}

describe('middleware', () => {
  it('wraps run in the order world → parent class → class', async () => {
    log.length = 0;
    await withWorld({ actions: [Provision], middleware: [around('world')] }, async (world) => {
      const plan = await world.trigger(Provision).finished;
      expect(plan.result).toBe('success');
    });
    expect(log).toEqual([
      'world>run(Provision)',
      'parent>run(Provision)',
      'class>run(Provision)',
      'run(null)',
      '<class',
      '<parent',
      '<world',
    ]);
  });

  it('before / after / replace place middleware like Dynflow’s use', async () => {
    log.length = 0;
    class Placed extends Provision {
      static override middleware = Provision.middleware
        .use(around('before-class'), { before: 'class' })
        .use(around('new-parent'), { replace: 'parent' });
    }
    await withWorld({ actions: [Placed] }, async (world) => {
      await world.trigger(Placed).finished;
    });
    expect(log.filter((line) => line.endsWith('>run(Placed)'))).toEqual([
      'new-parent>run(Placed)',
      'before-class>run(Placed)',
      'class>run(Placed)',
    ]);
  });

  it('plan, planPhase and finalize hooks wrap their phases; plan may change the arguments', async () => {
    const seen: string[] = [];
    const audit: Middleware = {
      name: 'audit',
      async planPhase(next, { actionClass }) {
        seen.push(`planPhase>${actionClass.name}`);
        await next();
        seen.push('<planPhase');
      },
      plan(next, args) {
        seen.push(`plan(${JSON.stringify(args)})`);
        return next(args.map((arg) => (typeof arg === 'string' ? arg.toUpperCase() : arg)));
      },
      async finalize(next, { actionClass, action }) {
        seen.push(`finalize>${actionClass.name}:${action?.constructor.name ?? '?'}`);
        await next();
      },
    };
    class Greet extends Action<{ name: string }> {
      static override middleware = Action.middleware.use(audit);
      override plan(name: string) {
        this.planSelf({ name });
      }
      run() {}
      finalize() {
        seen.push(`finalize(${this.input.name})`);
      }
    }
    await withWorld({ actions: [Greet] }, async (world) => {
      const plan = await world.trigger(Greet, 'ada').finished;
      expect(plan.result).toBe('success');
      expect(plan.actions[0]?.input).toEqual({ name: 'ADA' });
    });
    expect(seen).toEqual([
      'planPhase>Greet',
      'plan(["ada"])',
      '<planPhase',
      'finalize>Greet:Greet',
      'finalize(ADA)',
    ]);
  });

  it('a run middleware that does not call next skips the work; one that throws fails the step', async () => {
    let ran = 0;
    class Guarded extends Action {
      static override middleware = Action.middleware.use({ run: () => undefined });
      run() {
        ran++;
      }
    }
    class Failing extends Action {
      static override middleware = Action.middleware.use({
        run: () => {
          throw new Error('policy denied');
        },
      });
      run() {
        ran++;
      }
    }
    await withWorld({ actions: [Guarded, Failing] }, async (world) => {
      expect((await world.trigger(Guarded).finished).result).toBe('success');
      const failed = await world.trigger(Failing).finished;
      expect(failed.state).toBe('paused');
      expect(failed.steps.find((s) => s.state === 'error')?.error?.message).toBe('policy denied');
    });
    expect(ran).toBe(0);
    expect(new MiddlewareStack().empty).toBe(true);
  });

  it('finalizePhase wraps the whole finalize sequence; without next() the finalize steps are skipped', async () => {
    const seen: string[] = [];
    let breakFinalize = true;
    class Part extends Action<{ name: string }> {
      run() {}
      finalize() {
        if (this.input.name === 'b' && breakFinalize) throw new Error('finalize b failed');
        seen.push(`finalize(${this.input.name})`);
      }
    }
    class Whole extends Action {
      static override middleware = Action.middleware.use({
        async finalizePhase(next, { actionClass }) {
          seen.push(`finalizePhase>${actionClass.name}`);
          await next();
          seen.push('<finalizePhase');
        },
      });
      override plan() {
        this.planAction(Part, { name: 'a' });
        this.planAction(Part, { name: 'b' });
      }
    }
    class Skipping extends Action {
      static override middleware = Action.middleware.use({ finalizePhase: () => undefined });
      override plan() {
        this.planAction(Part, { name: 'c' });
      }
    }
    await withWorld({ actions: [Part, Whole, Skipping] }, async (world) => {
      const paused = await world.trigger(Whole).finished;
      expect(paused.state).toBe('paused');
      expect(seen).toEqual(['finalizePhase>Whole', 'finalize(a)', '<finalizePhase']);
      seen.length = 0;
      breakFinalize = false;
      const done = await world.resume(paused.id);
      expect(done.result).toBe('success');
      // After a finalize error the whole finalize sequence runs again, inside the middleware.
      expect(seen).toEqual(['finalizePhase>Whole', 'finalize(a)', 'finalize(b)', '<finalizePhase']);

      seen.length = 0;
      const skipped = await world.trigger(Skipping).finished;
      expect(skipped.state).toBe('stopped');
      expect(skipped.result).toBe('warning');
      expect(skipped.steps.find((s) => s.phase === 'finalize')?.state).toBe('skipped');
      expect(seen).toEqual([]);
    });
  });

  it('a failing planPhase middleware is a planning failure: stored, stopped/error, nothing runs', async () => {
    let runs = 0;
    const variants: Record<string, Middleware['planPhase']> = {
      before: () => {
        throw new Error('quota service down');
      },
      after: async (next) => {
        await next();
        throw new Error('audit write failed');
      },
      never: () => undefined,
    };
    const classes = Object.entries(variants).map(([name, planPhase]) => {
      const cls = class extends Action {
        static override readonly actionName = `Guarded_${name}`;
        static override middleware = Action.middleware.use({ planPhase });
        run() {
          runs++;
        }
      };
      return cls;
    });
    await withWorld({ actions: classes }, async (world) => {
      const messages: (string | undefined)[] = [];
      for (const cls of classes) {
        const triggered = world.trigger(cls);
        const planned = await triggered.planned;
        const finished = await triggered.finished;
        expect(planned.state).toBe('stopped');
        expect(finished.result).toBe('error');
        const root = planned.steps.find((s) => s.phase === 'plan' && s.actionId === 1);
        expect(root?.state).toBe('error');
        messages.push(root?.error?.message);
        expect(await world.executionPlan(triggered.id)).toBeDefined();
      }
      expect(messages[0]).toBe('quota service down');
      expect(messages[1]).toBe('audit write failed');
      expect(messages[2]).toMatch(/did not call next\(\)/);
    });
    expect(runs).toBe(0);
  });
});
