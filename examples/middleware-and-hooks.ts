/**
 * Middleware and execution-plan hooks.
 *
 * A `Deploy` plan creates machines one after another. Four pieces of middleware wrap the actions'
 * phases, Dynflow style — each gets `next` and decides whether, when and with what to call it:
 *
 * - World middleware (World option `middleware`) applies to every action and is the outermost:
 *   `planAudit` wraps the whole plan phase (`planPhase`) and each action's `plan`, and `timing`
 *   measures every `run` call and says how it ended: done, failed, or suspended (`isSuspension`).
 * - Class middleware (`static middleware`): `CloudAction` opens a cloud session around `run`;
 *   `CreateMachine` extends its parent's stack with a `quota` check, placed `before` the session
 *   so a refused machine never opens one. A middleware that throws fails the step like `run`
 *   throwing would.
 *
 * So a `CreateMachine` run goes timing → quota → cloudSession → run, and back out in reverse.
 *
 * `Deploy` also has execution-plan hooks: methods called after a plan state change is committed.
 * `audit` runs on every state the plan passes, `notify` only when the plan stops, with `success`
 * or `failure`. The second plan asks for a GPU machine, which the quota refuses: its step fails,
 * `CreateMachine`'s rescue strategy is `fail`, the plan stops with result `error`, and `notify`
 * hears `failure`.
 *
 * Run it with `npx tsx examples/middleware-and-hooks.ts`.
 */
import type { ExecutionPlan, HookEvent, Middleware, RescueStrategy } from '../src/index.js';
import { Action, World, isSuspension } from '../src/index.js';

/** Prints a line indented by how deep in the middleware chain it was written. */
function say(depth: number, text: string): void {
  console.log(`  ${'  '.repeat(depth)}${text}`);
}

// ---------------------------------------------------------------- world middleware (outermost)

/** Around the whole plan phase of every plan, and around every action's plan(...args). */
const planAudit: Middleware = {
  name: 'planAudit',
  async planPhase(next, { actionClass }) {
    const started = performance.now();
    say(0, `[planAudit] plan phase of ${actionClass.name} starts`);
    await next();
    say(0, `[planAudit] plan phase done in ${(performance.now() - started).toFixed(1)} ms`);
  },
  plan(next, args, { actionClass }) {
    say(
      1,
      `[planAudit] ${actionClass.name}.plan(${args.map((a) => JSON.stringify(a)).join(', ')})`,
    );
    return next(args);
  },
};

/** Around every run call of every action. */
const timing: Middleware = {
  name: 'timing',
  async run(next, event, { actionClass, action }) {
    const label = `${actionClass.name}#${action?.id ?? '?'}`;
    const started = performance.now();
    say(0, `[timing] > ${label} run`);
    let outcome = 'done';
    try {
      await next(event);
    } catch (error) {
      // A run that suspended is waiting for an event, not failing: isSuspension tells them apart.
      outcome = isSuspension(error) ? 'suspended' : 'failed';
      throw error;
    } finally {
      const took = (performance.now() - started).toFixed(0);
      say(0, `[timing] < ${label} run ${outcome} after ${took} ms`);
    }
  },
};

// ---------------------------------------------------------------- class middleware

/** Every action talking to the cloud gets a session around its run. */
const cloudSession: Middleware = {
  name: 'cloudSession',
  async run(next, event) {
    say(2, '[cloudSession] > open session');
    try {
      await next(event);
    } finally {
      say(2, '[cloudSession] < close session');
    }
  },
};

/** Refuses machines this account has no quota for, before any session is opened. */
const quota: Middleware = {
  name: 'quota',
  async run(next, event, { action }) {
    const name = (action as CreateMachine).input.name;
    if (name.startsWith('gpu-')) {
      say(1, `[quota] refused ${name}`);
      throw new Error(`no GPU quota left for ${name}`);
    }
    say(1, `[quota] ${name} allowed`);
    await next(event);
  },
};

class CloudAction<I extends object, O extends object> extends Action<I, O> {
  static override middleware = Action.middleware.use(cloudSession);
}

class CreateMachine extends CloudAction<{ name: string }, { id?: string }> {
  // Extend the parent's stack (not Action.middleware, which would drop cloudSession), placing the
  // quota check outside the session.
  static override middleware = CloudAction.middleware.use(quota, { before: 'cloudSession' });

  override plan(name: string): void {
    this.planSelf({ name });
  }

  async run(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 30)); // the cloud API call
    this.output.id = `vm-${this.input.name}`;
    say(3, `run: created ${this.output.id}`);
  }

  override rescueStrategy(): RescueStrategy {
    return 'fail'; // a refused machine fails the deploy (the default, pause, would wait for an operator)
  }
}

// ---------------------------------------------------------------- execution-plan hooks

/** What the hooks "sent"; printed once the world is closed (close waits for running hooks). */
const notifications: string[] = [];

class Deploy extends Action<{ machines: string[] }> {
  static override executionPlanHooks = Action.executionPlanHooks
    .use('audit') // every state the plan passes
    .use('notify', { on: ['success', 'failure'] });

  override plan(machines: string[]): void {
    this.planSelf({ machines }); // no run step: this only stores the input the hooks read
    this.sequence(() => {
      for (const name of machines) this.planAction(CreateMachine, name);
    });
  }

  audit(plan: ExecutionPlan, event: HookEvent): void {
    // `event` is the state this call is about; `plan` is the plan as stored when the hook runs,
    // which may already be further along.
    notifications.push(`[audit]  plan ${plan.id.slice(0, 8)} ${event}`);
  }

  notify(plan: ExecutionPlan, event: HookEvent): void {
    const what = `deploy of ${this.input.machines.join(', ')}`;
    if (event === 'success') {
      const ids = plan.actions.flatMap((a) =>
        typeof a.output.id === 'string' ? [a.output.id] : [],
      );
      notifications.push(`[notify] ${what} succeeded: ${ids.join(', ')}`);
    } else {
      const failed = plan.steps.find((step) => step.state === 'error');
      notifications.push(
        `[notify] ${what} FAILED (result ${plan.result}): ${failed?.error?.message ?? '?'}`,
      );
    }
  }
}

// ---------------------------------------------------------------- run it

const world = new World({
  actions: [CreateMachine, Deploy],
  middleware: [planAudit, timing], // outermost first; wraps every class's own stack
});
await world.start();

console.log(
  'Middleware around CreateMachine, outermost first:',
  ['planAudit', 'timing', ...CreateMachine.middleware.entries.map((m) => m.name)].join(' → '),
);

console.log('\nPlan 1: web-1, web-2');
const ok = await world.trigger(Deploy, ['web-1', 'web-2']).finished;
console.log(`  → ${ok.state}/${ok.result}`);

console.log('\nPlan 2: db-1, gpu-1');
const refused = await world.trigger(Deploy, ['db-1', 'gpu-1']).finished;
console.log(`  → ${refused.state}/${refused.result}`);

// Hooks run after each change is committed, so `finished` may resolve before they are done;
// world.close() waits for every hook still running.
await world.close();
console.log('\nExecution-plan hooks:');
for (const line of notifications) console.log(`  ${line}`);
