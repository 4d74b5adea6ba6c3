import { describe, expect, it } from 'vitest';
import { Action, MemoryAdapter, silentLogger } from '../../src/index.js';
import type { JsonValue, SuspendedAction } from '../../src/index.js';
import {
  Probe,
  actionOf,
  deferred,
  expectFlowlineError,
  nextEvent,
  recordingLogger,
  rejectionOf,
  stepById,
  stepOf,
  withWorld,
} from '../helpers/world.js';

/** A stand-in for a remote system: it keeps the handles it is given and calls back when told. */
class ExternalService {
  readonly jobs: SuspendedAction[] = [];
  readonly #probe = new Probe();

  start(handle: SuspendedAction): void {
    this.jobs.push(handle);
    this.#probe.poke();
  }

  /** The n-th job started (1-based), once it has been. */
  async job(n = 1): Promise<SuspendedAction> {
    await this.#probe.until(() => this.jobs.length >= n);
    return this.jobs[n - 1] as SuspendedAction;
  }
}

function provisioning() {
  const service = new ExternalService();
  const runs: unknown[] = [];

  /** Starts a job on the external service and waits for its completion event. */
  class Provision extends Action<{ name: string }, { result: JsonValue }> {
    override plan(name = 'vm') {
      this.planSelf({ name });
    }
    run(event?: JsonValue) {
      runs.push(event);
      if (event === undefined) this.suspend((s) => service.start(s));
      this.output.result = event;
    }
  }

  class Quick extends Action {
    override plan() {
      this.planSelf({});
    }
    run() {}
  }

  return { service, runs, Provision, Quick };
}

describe('suspend and events', () => {
  it('a suspended step is woken by the external service and run(event) finishes it', async () => {
    const { service, runs, Provision } = provisioning();
    await withWorld({ actions: [Provision] }, async (world) => {
      const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
      const triggered = world.trigger(Provision, 'web');
      let finished = false;
      void triggered.finished.then(() => (finished = true));

      const event = await suspended;
      expect(event.planId).toBe(triggered.id);
      const job = await service.job();
      expect(job.executionPlanId).toBe(triggered.id);
      expect(job.stepId).toBe(event.stepId);

      // While suspended: the plan is running, the step suspended, and run was called once.
      const during = await world.executionPlan(triggered.id);
      expect(during?.state).toBe('running');
      expect(stepById(during!, job.stepId).state).toBe('suspended');
      expect(stepOf(during!, 'Provision', 'run').id).toBe(job.stepId);
      expect(runs).toEqual([undefined]);
      expect(finished).toBe(false);

      await job.event({ ready: true, ip: '10.0.0.7' });
      const plan = await triggered.finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');
      expect(runs).toEqual([undefined, { ready: true, ip: '10.0.0.7' }]);
      expect(stepOf(plan, 'Provision', 'run').state).toBe('success');
      expect(plan.actions[0]?.output).toEqual({ result: { ready: true, ip: '10.0.0.7' } });
    });
  });

  it('a suspended step holds no worker: with concurrency 1 another plan runs meanwhile', async () => {
    const { service, Provision, Quick } = provisioning();
    await withWorld({ actions: [Provision, Quick], concurrency: 1 }, async (world) => {
      const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
      const first = world.trigger(Provision);
      await suspended;

      const second = await world.trigger(Quick).finished;
      expect(second.state).toBe('stopped');
      expect(second.result).toBe('success');

      const stillWaiting = await world.executionPlan(first.id);
      expect(stillWaiting?.state).toBe('running');
      expect(stepOf(stillWaiting!, 'Provision', 'run').state).toBe('suspended');

      await (await service.job()).event('done');
      const plan = await first.finished;
      expect(plan.result).toBe('success');
    });
  });

  it('an event sent while the step is still running is delivered after it suspends', async () => {
    const runs: unknown[] = [];
    const running = deferred();
    const proceed = deferred();

    class Waiter extends Action {
      override plan() {
        this.planSelf({});
      }
      async run(event?: JsonValue) {
        runs.push(event);
        if (event !== undefined) return;
        running.resolve();
        await proceed.promise;
        this.suspend();
      }
    }

    await withWorld({ actions: [Waiter] }, async (world) => {
      const triggered = world.trigger(Waiter);
      const stepId = stepOf(await triggered.planned, 'Waiter', 'run').id;
      await running.promise;

      // Accepted while the step runs: it waits for the step to suspend.
      await world.event(triggered.id, stepId, { early: true });
      const meanwhile = await world.executionPlan(triggered.id);
      expect(stepById(meanwhile!, stepId).state).toBe('running');
      expect(runs).toEqual([undefined]);

      proceed.resolve();
      const plan = await triggered.finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');
      expect(runs).toEqual([undefined, { early: true }]);
    });
  });

  it('an event for a running step that finishes without suspending is dropped and logged', async () => {
    const runs: unknown[] = [];
    const running = deferred();
    const proceed = deferred();

    class NoSuspend extends Action {
      override plan() {
        this.planSelf({});
      }
      async run(event?: JsonValue) {
        runs.push(event);
        running.resolve();
        await proceed.promise;
      }
    }

    const logger = recordingLogger();
    await withWorld({ actions: [NoSuspend], logger }, async (world) => {
      const triggered = world.trigger(NoSuspend);
      const stepId = stepOf(await triggered.planned, 'NoSuspend', 'run').id;
      await running.promise;
      await world.event(triggered.id, stepId, 'too late');
      proceed.resolve();
      const plan = await triggered.finished;
      expect(plan.result).toBe('success');
      expect(runs).toEqual([undefined]);
      const dropped = logger.entries.filter(
        (e) => e.level === 'warn' && /dropped 1 event/.test(e.message),
      );
      expect(dropped).toHaveLength(1);
    });
  });

  it('events are delivered one at a time, in the order they were sent', async () => {
    const service = new ExternalService();
    const runs: unknown[] = [];
    let inRun = 0;
    let maxInRun = 0;
    const handlingFirst = deferred();
    const releaseFirst = deferred();

    class Collector extends Action {
      override plan() {
        this.planSelf({});
      }
      async run(event?: JsonValue) {
        inRun++;
        maxInRun = Math.max(maxInRun, inRun);
        runs.push(event);
        try {
          if (event === undefined) this.suspend((s) => service.start(s));
          if (event === 'first') {
            handlingFirst.resolve();
            await releaseFirst.promise;
            this.suspend();
          }
        } finally {
          inRun--;
        }
      }
    }

    await withWorld({ actions: [Collector] }, async (world) => {
      const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
      const triggered = world.trigger(Collector);
      await suspended;
      const job = await service.job();

      // Both queued while the step is suspended.
      await Promise.all([job.event('first'), job.event('second')]);
      await handlingFirst.promise;
      expect(runs).toEqual([undefined, 'first']);

      releaseFirst.resolve();
      const plan = await triggered.finished;
      expect(plan.result).toBe('success');
      expect(runs).toEqual([undefined, 'first', 'second']);
      expect(maxInRun).toBe(1);
    });
  });

  it('an external service that answers inside the suspend callback still wakes the step', async () => {
    const runs: unknown[] = [];

    class Instant extends Action {
      override plan() {
        this.planSelf({});
      }
      run(event?: JsonValue) {
        runs.push(event);
        if (event === undefined) {
          this.suspend((s) => {
            void s.event({ immediate: true });
          });
        }
      }
    }

    await withWorld({ actions: [Instant] }, async (world) => {
      const plan = await world.trigger(Instant).finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');
      expect(runs).toEqual([undefined, { immediate: true }]);
    });
  });

  it('closing the world does not wait for a suspended step; the plan stays running in the store', async () => {
    const { Provision } = provisioning();
    const adapter = new MemoryAdapter();
    await withWorld({ actions: [Provision], adapter }, async (world) => {
      const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
      const triggered = world.trigger(Provision);
      await suspended;
      await world.close();
      expectFlowlineError(await rejectionOf(triggered.finished), 'WORLD_CLOSED');
      const stored = await adapter.loadPlan(triggered.id);
      expect(stored?.plan.state).toBe('running');
      expect(stored?.steps.find((s) => s.phase === 'run')?.state).toBe('suspended');
    });
  });

  describe('world.event errors', () => {
    it('an unknown plan rejects with PLAN_NOT_FOUND', async () => {
      await withWorld({ logger: silentLogger }, async (world) => {
        const error = await rejectionOf(world.event('no-such-plan', 1, { any: 'thing' }));
        expectFlowlineError(error, 'PLAN_NOT_FOUND');
      });
    });

    it('an unknown step rejects with STEP_NOT_FOUND, on a running and on a stopped plan', async () => {
      const { service, Provision } = provisioning();
      await withWorld({ actions: [Provision], logger: silentLogger }, async (world) => {
        const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
        const triggered = world.trigger(Provision);
        await suspended;

        const whileRunning = await rejectionOf(world.event(triggered.id, 999, 'x'));
        expectFlowlineError(whileRunning, 'STEP_NOT_FOUND');

        await (await service.job()).event('go');
        await triggered.finished;
        const whenStopped = await rejectionOf(world.event(triggered.id, 999, 'x'));
        expectFlowlineError(whenStopped, 'STEP_NOT_FOUND');
      });
    });

    it('a finished step, a pending step, a plan step or a stopped plan rejects with STEP_NOT_SUSPENDED', async () => {
      const { service, Provision, Quick } = provisioning();

      class Pipeline extends Action {
        override plan() {
          this.sequence(() => {
            this.planAction(Quick);
            this.planAction(Provision);
            this.planAction(Quick);
          });
        }
      }

      await withWorld(
        { actions: [Provision, Quick, Pipeline], logger: silentLogger },
        async (world) => {
          const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
          const triggered = world.trigger(Pipeline);
          const planned = await triggered.planned;
          await suspended;

          const [firstQuick, lastQuick] = planned.actions.filter((a) => a.className === 'Quick');
          const provision = stepOf(planned, 'Provision', 'run');

          const finishedStep = await rejectionOf(
            world.event(triggered.id, firstQuick!.runStepId!, 1),
          );
          expectFlowlineError(finishedStep, 'STEP_NOT_SUSPENDED');
          const pendingStep = await rejectionOf(
            world.event(triggered.id, lastQuick!.runStepId!, 1),
          );
          expectFlowlineError(pendingStep, 'STEP_NOT_SUSPENDED');
          const planStepId = actionOf(planned, 'Provision').planStepId;
          expect(stepById(planned, planStepId).phase).toBe('plan');
          const planStep = await rejectionOf(world.event(triggered.id, planStepId, 1));
          expectFlowlineError(planStep, 'STEP_NOT_SUSPENDED');

          await (await service.job()).event('go');
          const plan = await triggered.finished;
          expect(plan.state).toBe('stopped');
          expect(plan.result).toBe('success');

          const stopped = await rejectionOf(world.event(triggered.id, provision.id, 'again'));
          expectFlowlineError(stopped, 'STEP_NOT_SUSPENDED');
        },
      );
    });
  });
});
