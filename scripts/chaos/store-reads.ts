/** The parent's own reads of a run's store (between lives, around the outage, for the checks). */
import type { PersistenceAdapter, StoredPlan } from '../../src/persistence/index.js';
import type { PlanState } from '../../src/index.js';
import type { StoreSpec } from './store-spec.js';
import { adapterFor } from './store-spec.js';

/** Runs `fn` with a started adapter on the store, closed afterwards. */
export async function withStore<T>(
  spec: StoreSpec,
  fn: (adapter: PersistenceAdapter) => Promise<T>,
): Promise<T> {
  const adapter = adapterFor(spec);
  await adapter.start();
  try {
    return await fn(adapter);
  } finally {
    await adapter.close();
  }
}

/** Every stored plan, fully loaded. */
export async function loadAllPlans(adapter: PersistenceAdapter): Promise<StoredPlan[]> {
  const loaded: StoredPlan[] = [];
  for (const record of await adapter.findPlans()) {
    const plan = await adapter.loadPlan(record.id);
    if (plan !== undefined) loaded.push(plan);
  }
  return loaded;
}

/** The states of the given plans (absent ones left out). */
export async function planStates(
  adapter: PersistenceAdapter,
  ids: Iterable<string>,
): Promise<Map<string, PlanState>> {
  const states = new Map<string, PlanState>();
  for (const id of ids) {
    const stored = await adapter.loadPlan(id);
    if (stored !== undefined) states.set(id, stored.plan.state);
  }
  return states;
}
