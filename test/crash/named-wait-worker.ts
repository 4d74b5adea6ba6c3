/**
 * The process the named-wait crash test kills: starts a world on the SQLite file named by argv[2],
 * triggers a plan whose step waits for `carrier.shipped`, prints `WAITING <planId>` once the step is
 * suspended, and waits to be killed.
 */
import { World, silentLogger } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { AwaitCarrier } from './named-wait-actions.js';

const filename = process.argv[2];
if (filename === undefined) throw new Error('usage: named-wait-worker.ts <sqlite file>');
const world = new World({
  adapter: new SqliteAdapter({ filename }),
  actions: [AwaitCarrier],
  logger: silentLogger,
});
await world.start();
const triggered = world.trigger(AwaitCarrier, { order: 'o-crash' });
world.on('step:state', (event) => {
  if (event.planId === triggered.id && event.state === 'suspended') {
    process.stdout.write(`WAITING ${triggered.id}\n`);
  }
});
