/**
 * A process that triggers many plans at once and is killed with SIGKILL as soon as the first of
 * them is stored: the rest are left `planned` (stored, never executed) or not stored at all.
 * argv: `<sqlite file> <plans>`.
 */
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { World, silentLogger } from '../../src/index.js';
import { CrashPlan, crashActions } from './actions.js';

const filename = process.argv[2];
const count = Number(process.argv[3] ?? 200);
if (filename === undefined) throw new Error('usage: trigger-worker.ts <sqlite file> [plans]');
const world = new World({
  adapter: new SqliteAdapter({ filename }),
  actions: crashActions,
  logger: silentLogger,
});
await world.start();
world.on('plan:state', (event) => {
  if (event.state === 'planned') process.stdout.write(`PLANNED ${event.planId}\n`);
});
for (let i = 0; i < count; i++) world.trigger(CrashPlan, 'idempotent');
// Kept alive on purpose until the test kills it (heartbeat timers do not hold the process).
setInterval(() => undefined, 60_000);
