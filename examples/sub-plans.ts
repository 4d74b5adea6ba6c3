/**
 * Sub-plans: one step that starts many plans and waits for them.
 *
 * `UpdateFleet` is a `SubPlansAction`: its run step triggers one `UpdateHost` plan per host, at most
 * three running at once (`concurrencyLimit`), and suspends — holding no worker — until they have
 * all stopped. Each sub-plan that stops sends the step an event, and the output
 * `{ total, success, failed, pending }` follows along.
 *
 * One host is unreachable the first time, so its sub-plan pauses, and once the others are done the
 * fleet step fails and the fleet plan pauses. We "fix" the host, resume its sub-plan, then resume
 * the fleet: the step reads its sub-plans' states again (it never triggers them twice) and succeeds.
 *
 * Run it with `npx tsx examples/sub-plans.ts`.
 */
import type { ExecutionPlan } from '../src/index.js';
import { Action, SubPlansAction, World } from '../src/index.js';
import { json, stopwatch } from './format.js';

const elapsed = stopwatch();
const unreachable = new Set(['host-5']);
let running = 0;

class UpdateHost extends Action<{ host: string }, { version: string }> {
  override plan(host: string): void {
    this.planSelf({ host });
  }

  async run(): Promise<void> {
    running++;
    console.log(`${elapsed()}  updating ${this.input.host} (${running} sub-plans running)`);
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (unreachable.has(this.input.host)) throw new Error(`${this.input.host} is unreachable`);
      this.output.version = '2.0';
    } finally {
      running--;
    }
  }
}

class UpdateFleet extends SubPlansAction<{ hosts: string[] }> {
  /** At most three hosts are updated at once; the other sub-plans wait, planned. */
  override concurrencyLimit = 3;

  createSubPlans() {
    return this.input.hosts.map((host) => this.triggerChild(UpdateHost, host));
  }
}

function summary(plan: ExecutionPlan): string {
  return `${plan.state}/${plan.result}  output ${json(plan.actions[0]?.output)}`;
}

const world = new World({ actions: [UpdateHost, UpdateFleet] });
await world.start();
try {
  const hosts = Array.from({ length: 8 }, (_, i) => `host-${i + 1}`);
  const fleet = await world.trigger(UpdateFleet, { hosts }).finished;
  console.log(`\n${elapsed()}  fleet: ${summary(fleet)}`);
  const step = fleet.steps.find((s) => s.phase === 'run');
  console.log(`fleet step error: ${step?.error?.message ?? '(none)'}`);

  // The sub-plans are plans of their own, linked to the fleet's step (plan.parent).
  const failed = (await world.subPlans(fleet.id)).filter((plan) => plan.state === 'paused');
  for (const plan of failed) {
    console.log(`paused sub-plan ${plan.id} (${json(plan.actions[0]?.input)})`);
  }

  console.log(`\n${elapsed()}  the network is fixed: resuming the failed sub-plan, then the fleet`);
  unreachable.clear();
  for (const plan of failed) await world.resume(plan.id);
  const done = await world.resume(fleet.id);
  console.log(`${elapsed()}  fleet: ${summary(done)}`);
} finally {
  await world.close();
}
