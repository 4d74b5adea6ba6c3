/**
 * Provisioning three machines: the infrastructure example from Dynflow's documentation.
 *
 * host1 (database) and host2 (storage) are independent, so they are created at the same time;
 * host3 (web server) needs the database machine's id, so it waits for host1. Nobody writes that
 * ordering by hand: the plan says "these two concurrently, then that one", and host3's input holds
 * a reference to host1's output, which Flowline resolves once host1 has run.
 *
 * Run it with `npm run demo` (or `npx tsx examples/infrastructure.ts`).
 */
import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Action, World } from '../src/index.js';
import { SqliteAdapter } from '../src/persistence/sqlite/index.js';
import {
  actionNames,
  describeStepEvent,
  flowTree,
  outputTable,
  stepTable,
  stopwatch,
} from './format.js';

/** How long our pretend cloud takes to create each kind of machine. */
const PROVISIONING_MS: Record<string, number> = { db: 300, storage: 200, web_server: 150 };

/** A stand-in for a real inventory (CMDB, DNS, …) that finalize steps register machines in. */
const inventory: string[] = [];

/**
 * Creates one machine. Its input and output are plain JSON, persisted with the step, so a plan can be
 * inspected (or resumed) from the store alone.
 */
class CreateMachine extends Action<
  { name: string; profile: string; dbId?: string },
  { id: string }
> {
  /**
   * The plan phase receives the arguments given to `planAction` / `trigger` and turns them into this
   * action's input. `planSelf` also places the action's run (and finalize) step in the flow, at the
   * point where the parent called `planAction`.
   */
  override plan(name: string, profile: string, deps: { dbId?: string } = {}): void {
    this.planSelf({ name, profile, ...deps });
  }

  /** The run phase does the work: read `this.input`, write `this.output`. */
  async run(): Promise<void> {
    await sleep(PROVISIONING_MS[this.input.profile] ?? 100);
    // host3's `dbId` arrives here as host1's real id, not as a reference.
    const uses = this.input.dbId === undefined ? '' : ` (uses database ${this.input.dbId})`;
    console.log(`    [cloud] ${this.input.name} is up${uses}`);
    this.output.id = `${this.input.name}:${this.input.profile}`;
  }

  /**
   * The finalize phase runs once every run step of the plan succeeded, one action at a time, in the
   * order the actions were planned. A good place for local bookkeeping that should only happen when
   * the whole plan went through.
   */
  finalize(): void {
    inventory.push(`${this.input.name} (${this.input.profile}) = ${this.output.id}`);
  }
}

/** Composes machines into an infrastructure. It has no run of its own: only a plan. */
class CreateInfrastructure extends Action {
  override plan(): void {
    this.sequence(() => {
      // Everything planned inside a concurrence may run at the same time.
      const [db] = this.concurrence(() => [
        this.planAction(CreateMachine, 'host1', 'db'),
        this.planAction(CreateMachine, 'host2', 'storage'),
      ]);
      // `db.output.id` is an output reference: typed as a string, stored as a pointer to host1's
      // output, and replaced by the real value just before host3 runs.
      this.planAction(CreateMachine, 'host3', 'web_server', { dbId: db.output.id });
    });
  }
}

// A world holds the registered actions, the store and the executor. Here the store is an SQLite file
// (in your code: `import { SqliteAdapter } from 'flowline/sqlite'`): every step is committed to it
// before the next one that depends on it starts, so a plan survives a crash of this process. Without
// an `adapter` option a world keeps plans in memory.
const DATABASE = '.flowline/demo.db';
mkdirSync('.flowline', { recursive: true });
const world = new World({
  adapter: new SqliteAdapter({ filename: DATABASE }),
  actions: [CreateMachine, CreateInfrastructure],
});
await world.start();

const elapsed = stopwatch();
let name: (actionId: number) => string = (actionId) => `action ${actionId}`;

// Every step state change, once it is stored. Events carry ids, not names: `name` learns the
// actions from the planned plan below. The plan-phase events arrive just before that, so this
// listener shows the run and finalize phases only.
world.on('step:state', (event) => {
  if (event.phase !== 'plan') console.log(`${elapsed()}  ${describeStepEvent(event, name)}`);
});
world.on('plan:state', ({ state, result }) => {
  console.log(`${elapsed()}  plan → ${state} (result: ${result})`);
});

// `trigger` returns at once with the plan's id; the plan phase and the execution follow.
const triggered = world.trigger(CreateInfrastructure);
console.log(`Triggered CreateInfrastructure, execution plan ${triggered.id}\n`);

const planned = await triggered.planned;
name = actionNames(planned);
console.log(`\nPlanned ${planned.actions.length} actions. Run flow:\n${flowTree(planned)}\n`);

const plan = await triggered.finished;

console.log(`\nSteps:\n${stepTable(plan)}`);
console.log(`\nOutputs:\n${outputTable(plan)}`);
console.log(`\nInventory (written by the finalize steps):\n  ${inventory.join('\n  ')}`);
console.log(`\nExecution plan ${plan.id}: state ${plan.state}, result ${plan.result}`);
const stored = await world.executionPlans();
console.log(
  `The store ${DATABASE} now holds ${stored.length} plan(s); run the demo again to add one.`,
);

await world.close();
