/**
 * The process the flow crash test kills: saves a Map/Reduce flow into the SQLite file named by
 * argv[2], runs it over 1…5, prints `RUN <runId>` and, once item 3 is running, `BLOCKED <itemPlanId>`;
 * then waits to be killed.
 */
import { World, silentLogger } from '../../src/index.js';
import { Flows } from '../../src/flows/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { crashFlow, SlowSquare } from './flow-stages.js';

const filename = process.argv[2];
if (filename === undefined) throw new Error('usage: flow-worker.ts <sqlite file>');
const world = new World({ adapter: new SqliteAdapter({ filename }), logger: silentLogger });
const flows = new Flows({ world, actions: [SlowSquare] });
await world.start();
await flows.save(crashFlow);
const run = flows.trigger(crashFlow.name, [1, 2, 3, 4, 5]);
process.stdout.write(`RUN ${run.id}\n`);
// Kept alive on purpose: the blocked stage's promise alone would let the process exit.
setInterval(() => undefined, 60_000);
