/**
 * The process the rollback crash test kills: starts a world on the SQLite file named by argv[2],
 * triggers one idempotent and one fragile trip, and waits to be killed while their rollbacks are
 * compensating.
 */
import { World, silentLogger } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { Trip, sagaActions } from './saga-actions.js';

const filename = process.argv[2];
if (filename === undefined) throw new Error('usage: saga-worker.ts <sqlite file>');
const world = new World({
  adapter: new SqliteAdapter({ filename }),
  actions: sagaActions,
  logger: silentLogger,
});
await world.start();
world.trigger(Trip, 'idempotent');
world.trigger(Trip, 'fragile');
process.stdout.write('TRIGGERED\n');
