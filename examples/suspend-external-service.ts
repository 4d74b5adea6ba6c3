/**
 * Suspending: waiting for an external service without holding a worker.
 *
 * Dynflow's `AnExternalService` example. The action asks a (simulated) service to synchronize a
 * repository and suspends; its `run` call ends at once and the step stays `suspended`, holding no
 * worker. The service reports back later through the `SuspendedAction` handle — first a progress
 * report, then `'done'` — and each report calls `run(event)` again.
 *
 * To show that suspended steps hold no worker, the world below has a concurrency of 1 and
 * synchronizes two repositories: both wait for the service at the same time.
 *
 * Run it with `npx tsx examples/suspend-external-service.ts`.
 */
import type { JsonValue, SuspendedAction } from '../src/index.js';
import { Action, World } from '../src/index.js';
import { json, stepTable, stopwatch } from './format.js';

const elapsed = stopwatch();

/**
 * A stand-in for a remote service with callbacks (a build farm, a content server, …). In real life
 * `reportTo` would be the plan and step ids stored with the remote task, and the reply would arrive
 * through a webhook that calls `world.event(planId, stepId, payload)`.
 */
class AnExternalService {
  startSynchronization(repository: string, reportTo: SuspendedAction): void {
    console.log(`${elapsed()}  [service] synchronizing ${repository} for step ${reportTo.stepId}`);
    setTimeout(() => {
      void report(reportTo, { progress: 0.5 });
    }, 200);
    setTimeout(() => {
      void report(reportTo, 'done');
    }, 400);
  }
}

/** Sends an event to the suspended step. `event` resolves once Flowline has accepted it. */
async function report(to: SuspendedAction, payload: JsonValue): Promise<void> {
  try {
    await to.event(payload);
  } catch (error) {
    console.error('the service could not report back:', error);
  }
}

const EXTERNAL_SERVICE = new AnExternalService();

class SynchronizeRepository extends Action<
  { repository: string },
  { success?: boolean; progress?: number; events?: number }
> {
  override plan(repository: string): void {
    this.planSelf({ repository });
  }

  /** Called with no event the first time, then once per event the step receives. */
  run(event?: JsonValue): void {
    this.output.events = (this.output.events ?? 0) + (event === undefined ? 0 : 1);
    if (event === undefined) {
      // First run: start the remote work, hand the service our handle, and suspend. `suspend` ends
      // this call right here; its callback runs first, with the handle.
      this.suspend((suspended) => {
        EXTERNAL_SERVICE.startSynchronization(this.input.repository, suspended);
      });
    }
    if (event === 'done') {
      // The remote task finished: complete the step normally.
      this.output.success = true;
      return;
    }
    if (typeof event === 'object' && event !== null && !Array.isArray(event)) {
      const progress = event.progress;
      if (typeof progress === 'number') {
        console.log(`${elapsed()}  ${this.input.repository}: ${progress * 100}% synchronized`);
        this.output.progress = progress;
        // Not finished yet: suspend again and wait for the next event.
        this.suspend();
      }
    }
    throw new Error(`unknown event ${json(event)}`);
  }
}

// concurrency: 1 means at most one run step executing at a time; a suspended one does not count.
const world = new World({ actions: [SynchronizeRepository], concurrency: 1 });
await world.start();

const repositoryOf = new Map<string, string>();
world.on('step:state', ({ planId, stepId, phase, state }) => {
  if (phase !== 'run') return;
  console.log(`${elapsed()}  ${repositoryOf.get(planId) ?? planId}: step ${stepId} → ${state}`);
});

const first = world.trigger(SynchronizeRepository, 'fedora-updates');
const second = world.trigger(SynchronizeRepository, 'centos-extras');
// The plan ids are known as soon as trigger returns, before anything has run.
repositoryOf.set(first.id, 'fedora-updates').set(second.id, 'centos-extras');

// While a step is suspended its plan is still `running`.
const { id } = first;
setTimeout(() => {
  void world.executionPlan(id).then((plan) => {
    const step = plan?.steps.find((s) => s.phase === 'run');
    console.log(`${elapsed()}  (meanwhile: plan ${plan?.state}, its run step ${step?.state})`);
  });
}, 100);

for (const plan of await Promise.all([first.finished, second.finished])) {
  const action = plan.actions[0];
  console.log(`\nPlan ${plan.id}: state ${plan.state}, result ${plan.result}`);
  console.log(`Output of ${action?.className}: ${json(action?.output)}`);
  console.log(stepTable(plan));
}

await world.close();
