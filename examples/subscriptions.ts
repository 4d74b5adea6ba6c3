/**
 * Subscriptions: extending an application's workflow from a plugin, without touching its code.
 *
 * The core application plans `ACoreAppAction`. Two plugins subscribe to it with `static subscribe()`:
 * whenever `ACoreAppAction` is planned, anywhere, Flowline plans the subscribers right after it with
 * the same arguments. A subscriber runs concurrently with the action it extends, unless its input
 * references that action's output (`this.trigger.output…`), which makes it wait for it.
 *
 * Subscriptions are meant for plugins. Inside one code base, plan the action explicitly with
 * `planAction`: a reader can then see the whole process in one place.
 *
 * Run it with `npx tsx examples/subscriptions.ts`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Planned } from '../src/index.js';
import { Action, World } from '../src/index.js';
import { actionNames, describeStepEvent, outputTable, stepTable, stopwatch } from './format.js';

// ---- the core application -------------------------------------------------------------------

/** A core action. It knows nothing about the plugins that extend it. */
class ACoreAppAction extends Action<{ args: string[] }, { success: boolean }> {
  override plan(args: string[]): void {
    this.planSelf({ args });
    this.planAction(AnotherCoreAppAction, args[0] ?? 'nothing');
  }

  async run(): Promise<void> {
    await sleep(150);
    console.log(`    running core action: ${this.input.args.join(', ')}`);
    this.output.success = true;
  }
}

/** A second core action, planned by the first one. */
class AnotherCoreAppAction extends Action<{ item: string }> {
  override plan(item: string): void {
    this.planSelf({ item });
  }

  run(): void {
    console.log(`    running another core action: ${this.input.item}`);
  }
}

// ---- a plugin ----------------------------------------------------------------------------------

/** Planned whenever `ACoreAppAction` is; independent of it, so the two run at the same time. */
class APluginAction extends Action<{ args: string[] }> {
  static override subscribe() {
    return ACoreAppAction;
  }

  // Receives exactly the arguments ACoreAppAction's plan() received.
  override plan(args: string[]): void {
    this.planSelf({ args });
  }

  run(): void {
    console.log(`    running plugin action: ${this.input.args.join(', ')}`);
  }
}

/**
 * Also subscribed to `ACoreAppAction`, but its input takes the trigger's output. That reference
 * orders it after the core action's run step, and the value arrives resolved in `run`.
 */
class AnAuditPluginAction extends Action<{ triggerSuccess: boolean }, { audited: string }> {
  static override subscribe() {
    return ACoreAppAction;
  }

  override plan(): void {
    // `this.trigger` is the triggering action's handle. It is typed for any action, so say which
    // one it is to get a typed output reference.
    const trigger = this.trigger as Planned<ACoreAppAction>;
    this.planSelf({ triggerSuccess: trigger.output.success });
  }

  run(): void {
    console.log(
      `    running audit plugin action: trigger succeeded = ${this.input.triggerSuccess}`,
    );
    this.output.audited = this.input.triggerSuccess ? 'trigger succeeded' : 'trigger failed';
  }
}

// ---- the application starts a world with the core actions and whatever plugins are installed ---

const world = new World({
  actions: [ACoreAppAction, AnotherCoreAppAction, APluginAction, AnAuditPluginAction],
});
await world.start();

const elapsed = stopwatch();
let name: (actionId: number) => string = (actionId) => `action ${actionId}`;
world.on('step:state', (event) => {
  if (event.phase === 'run') console.log(`${elapsed()}  ${describeStepEvent(event, name)}`);
});

const triggered = world.trigger(ACoreAppAction, ['order-42', 'priority']);
const planned = await triggered.planned;
name = actionNames(planned);

console.log(
  'Actions in the plan (parentId: who planned it; subscribers hang under their trigger):',
);
for (const action of planned.actions) {
  const parent = action.parentId === undefined ? 'root' : `planned by action ${action.parentId}`;
  console.log(`  ${action.id}. ${action.className.padEnd(20)} ${parent}`);
}
console.log();

const plan = await triggered.finished;

console.log(`\nSteps:\n${stepTable(plan)}`);
console.log(`\nOutputs:\n${outputTable(plan)}`);
console.log(`\nExecution plan ${plan.id}: state ${plan.state}, result ${plan.result}`);

await world.close();
