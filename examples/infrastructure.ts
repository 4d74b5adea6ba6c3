/**
 * Provisioning three machines: the infrastructure example from Dynflow's documentation.
 *
 * host1 (database) and host2 (storage) are independent, so they are created at the same time;
 * host3 (web server) needs the database machine's id, so it waits for host1. Nobody writes that
 * ordering by hand: the plan says "these two concurrently, then that one", and host3's input holds
 * a reference to host1's output, which Flowline resolves once host1 has run.
 *
 * The actions are in infrastructure-actions.ts. Run it with `npm run demo` (or
 * `npx tsx examples/infrastructure.ts`).
 */
import { mkdirSync } from 'node:fs';
import { World } from '../src/index.js';
import { SqliteAdapter } from '../src/persistence/sqlite/index.js';
import { CreateInfrastructure, CreateMachine, inventory } from './infrastructure-actions.js';
import { actionNames, flowTree, outputTable, stepTable, stopwatch } from './format.js';
import { showLiveProgress } from './live-progress.js';

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

// `trigger` returns at once with the plan's id; the plan phase and the execution follow.
const triggered = world.trigger(CreateInfrastructure);
console.log(`Triggered CreateInfrastructure, execution plan ${triggered.id}`);

const planned = await triggered.planned;
console.log(`\nPlanned ${planned.actions.length} actions. Run flow:\n${flowTree(planned)}\n`);

// Every step state change is reported once it is stored: here it drives live progress bars.
const progress = showLiveProgress(world, planned.id, actionNames(planned));
const elapsed = stopwatch();
const plan = await triggered.finished;
await progress.done;
console.log(`\nExecution took ${elapsed().slice(1)}.`);

console.log(`\nSteps:\n${stepTable(plan)}`);
console.log(`\nOutputs:\n${outputTable(plan)}`);
console.log(`\nInventory (written by the finalize steps):\n  ${inventory.join('\n  ')}`);
const log = await world.stepLog(plan.id);
console.log(
  `\nStep log:\n  ${log.map((line) => `step ${line.stepId}: ${line.message}`).join('\n  ')}`,
);
console.log(`\nExecution plan ${plan.id}: state ${plan.state}, result ${plan.result}`);
const stored = await world.executionPlans();
console.log(
  `The store ${DATABASE} now holds ${stored.length} plan(s); run the demo again to add one.`,
);
console.log(`
See them in the web console (then open the printed address in a browser):
  npm run flowline -- console --store sqlite:${DATABASE}
or in the terminal:
  npm run flowline -- plans --store sqlite:${DATABASE}
  npm run flowline -- show ${plan.id} --store sqlite:${DATABASE}`);

await world.close();
