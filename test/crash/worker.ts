/**
 * The process the crash test kills: starts a world on the store named by argv[2]
 * (`sqlite:<file>` or `postgres:<schema>@<url>`), triggers plans and waits to be killed.
 */
import { World, silentLogger } from '../../src/index.js';
import type { PersistenceAdapter } from '../../src/index.js';
import { PostgresAdapter } from '../../src/persistence/postgres/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { CrashPlan, crashActions } from './actions.js';

function adapterFor(store: string): PersistenceAdapter {
  if (store.startsWith('sqlite:')) return new SqliteAdapter({ filename: store.slice(7) });
  const spec = store.slice('postgres:'.length);
  const at = spec.indexOf('@');
  return new PostgresAdapter({ connectionString: spec.slice(at + 1), schema: spec.slice(0, at) });
}

const store = process.argv[2];
const perKind = Number(process.argv[3] ?? 3);
if (store === undefined) throw new Error('usage: worker.ts <store> [plans per kind]');
const world = new World({
  adapter: adapterFor(store),
  actions: crashActions,
  logger: silentLogger,
});
await world.start();
for (let i = 0; i < perKind; i++) {
  world.trigger(CrashPlan, 'idempotent');
  world.trigger(CrashPlan, 'fragile');
}
process.stdout.write('TRIGGERED\n');
