/**
 * Injected services: `new World({ context })` hands one object of services to every phase of every
 * action as `this.context` (plan, run, finalize, rescueStrategy, cancel, execution-plan hooks) and
 * to middleware as `context`; it is never stored.
 */
import { describe, expect, it } from 'vitest';
import type {
  ExecutionPlan,
  JsonValue,
  Middleware,
  MiddlewareContext,
  RescueStrategy,
} from '../../src/index.js';
import {
  Action,
  ErrorCode,
  FlowlineError,
  MemoryAdapter,
  MiddlewareStack,
  World,
  silentLogger,
} from '../../src/index.js';
import { caughtFlowlineError } from '../helpers/errors.js';
import { Probe, nextEvent, stepOf, withWorld } from '../helpers/world.js';

/** The services of the tests: a mailer that records what it sent, and a secret never stored. */
interface Services {
  readonly sent: string[];
  readonly secret: string;
  readonly seen: Map<string, unknown>;
  mail(text: string): void;
}

function makeServices(): Services {
  const sent: string[] = [];
  return {
    sent,
    secret: 'sk_live_never_stored',
    seen: new Map(),
    mail: (text) => sent.push(text),
  };
}

describe('injected services (World option context)', () => {
  it('every phase of an action reads the same context object: plan, run, finalize, rescueStrategy and hooks', async () => {
    const services = makeServices();
    const probe = new Probe();
    class Notify extends Action<{ to: string }> {
      static override executionPlanHooks = Action.executionPlanHooks.use('onStopped', {
        on: ['stopped'],
      });
      override plan(to: string) {
        (this.context as Services).seen.set('plan', this.context);
        this.planSelf({ to });
      }
      run() {
        (this.context as Services).seen.set('run', this.context);
        (this.context as Services).mail(`hello ${this.input.to}`);
      }
      finalize() {
        (this.context as Services).seen.set('finalize', this.context);
      }
      onStopped(_plan: ExecutionPlan) {
        (this.context as Services).seen.set('hook', this.context);
        probe.poke();
      }
    }
    class Fails extends Action {
      run() {
        throw new Error('fails on purpose');
      }
      override rescueStrategy(): RescueStrategy {
        (this.context as Services).seen.set('rescue', this.context);
        return 'skip';
      }
    }
    await withWorld(
      { actions: [Notify, Fails], context: services, logger: silentLogger },
      async (world) => {
        const notified = await world.trigger(Notify, 'ada').finished;
        expect(notified.result).toBe('success');
        const failed = await world.trigger(Fails).finished;
        expect(failed.result).toBe('warning');
        await probe.until(() => services.seen.has('hook'));
      },
    );
    expect(services.sent).toEqual(['hello ada']);
    expect([...services.seen.keys()].sort()).toEqual(['finalize', 'hook', 'plan', 'rescue', 'run']);
    for (const seen of services.seen.values()) expect(seen).toBe(services);
  });

  it('cancel(force) of a suspended action reads the context too', async () => {
    const services = makeServices();
    let cancelledWith: unknown;
    class Waits extends Action {
      run(event?: JsonValue) {
        if (event === undefined) this.suspend();
      }
      cancel(_force: boolean) {
        cancelledWith = this.context;
      }
    }
    await withWorld(
      { actions: [Waits], context: services, logger: silentLogger },
      async (world) => {
        const suspended = nextEvent(world, 'step:state', (event) => event.state === 'suspended');
        const triggered = world.trigger(Waits);
        await suspended;
        await world.cancel(triggered.id);
        expect((await triggered.finished).result).toBe('cancelled');
      },
    );
    expect(cancelledWith).toBe(services);
  });

  it('middleware reads the context in every hook, planPhase included (before any action exists)', async () => {
    const services = makeServices();
    const seen: string[] = [];
    const recording: Middleware = {
      name: 'recording',
      async planPhase(next, { context }) {
        if (context === services) seen.push('planPhase');
        await next();
      },
      async plan(next, args, { context }) {
        if (context === services) seen.push('plan');
        await next(args);
      },
      async run(next, event, { context, action }) {
        if (context === services && action?.context === services) seen.push('run');
        await next(event);
      },
      async finalize(next, { context }) {
        if (context === services) seen.push('finalize');
        await next();
      },
      async finalizePhase(next, { context }) {
        if (context === services) seen.push('finalizePhase');
        await next();
      },
    };
    class Wrapped extends Action {
      static override middleware = Action.middleware.use(recording);
      run() {}
      finalize() {}
    }
    await withWorld(
      { actions: [Wrapped], context: services, logger: silentLogger },
      async (world) => {
        expect((await world.trigger(Wrapped).finished).result).toBe('success');
      },
    );
    expect(seen).toEqual(['planPhase', 'plan', 'run', 'finalizePhase', 'finalize']);
  });

  it('in a world without a context, this.context fails the step with CONTEXT_MISSING saying how to give one', async () => {
    class NeedsMailer extends Action {
      run() {
        (this.context as Services).mail('x');
      }
    }
    await withWorld({ actions: [NeedsMailer], logger: silentLogger }, async (world) => {
      const plan = await world.trigger(NeedsMailer).finished;
      expect(plan.state).toBe('paused');
      const step = stepOf(plan, 'NeedsMailer', 'run');
      expect(step.error?.code).toBe(ErrorCode.CONTEXT_MISSING);
      expect(step.error?.message).toContain('new World({ context');
    });
  });

  it('a middleware reading the context of a world without one gets CONTEXT_MISSING', async () => {
    let read: unknown;
    const reads: Middleware = {
      async run(next, event, ctx: MiddlewareContext) {
        try {
          read = ctx.context;
        } catch (error) {
          read = error;
        }
        await next(event);
      },
    };
    class Plain extends Action {
      run() {}
    }
    await withWorld(
      { actions: [Plain], middleware: new MiddlewareStack([reads]), logger: silentLogger },
      async (world) => {
        expect((await world.trigger(Plain).finished).result).toBe('success');
      },
    );
    expect(read).toBeInstanceOf(FlowlineError);
    expect((read as FlowlineError).code).toBe(ErrorCode.CONTEXT_MISSING);
  });

  it('outside a phase (an instance made with new), this.context throws PHASE_MISUSE like the other bound getters', () => {
    class Loose extends Action {}
    const error = caughtFlowlineError(() => new Loose().context);
    expect(error.code).toBe(ErrorCode.PHASE_MISUSE);
    expect(error.message).toContain('Loose.context');
  });

  it('the context is never stored: nothing of it is in the plan the store keeps', async () => {
    const services = makeServices();
    const adapter = new MemoryAdapter();
    class UsesSecret extends Action<Record<string, never>, { used: boolean }> {
      run() {
        this.output.used = (this.context as Services).secret.length > 0;
      }
    }
    await withWorld(
      { adapter, actions: [UsesSecret], context: services, logger: silentLogger },
      async (world) => {
        const plan = await world.trigger(UsesSecret).finished;
        expect(plan.result).toBe('success');
        const stored = await adapter.loadPlan(plan.id);
        expect(JSON.stringify(stored)).not.toContain(services.secret);
        expect(stored?.actions[0]?.output).toEqual({ used: true });
      },
    );
  });

  it.each([5, 'services', null, true])(
    'refuses context = %j with INVALID_ARGUMENT when the world is created',
    (context) => {
      const error = caughtFlowlineError(
        () => new World({ context: context as unknown as object, logger: silentLogger }),
      );
      expect(error.code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(error.message).toContain('context must be an object');
    },
  );
});
