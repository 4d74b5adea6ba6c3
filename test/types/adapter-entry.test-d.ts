/* eslint-disable @typescript-eslint/no-deprecated -- the root's deprecated re-exports are the subject */
import { describe, expectTypeOf, it } from 'vitest';
import type * as Root from '../../src/index.js';
import type * as Adapter from '../../src/persistence/index.js';

describe('flowline/adapter and the root re-exports kept for one minor version', () => {
  it('the root names the same adapter-author types as flowline/adapter', () => {
    expectTypeOf<Root.WriteBatch>().toEqualTypeOf<Adapter.WriteBatch>();
    expectTypeOf<Root.StepClaim>().toEqualTypeOf<Adapter.StepClaim>();
    expectTypeOf<Root.LockRecord>().toEqualTypeOf<Adapter.LockRecord>();
    expectTypeOf<Root.PlanScoped<number>>().toEqualTypeOf<Adapter.PlanScoped<number>>();
    expectTypeOf<Root.StoredPlan>().toEqualTypeOf<Adapter.StoredPlan>();
    expectTypeOf<Root.EventEnvelope>().toEqualTypeOf<Adapter.EventEnvelope>();
    expectTypeOf<Root.DelayedPlanRecord>().toEqualTypeOf<Adapter.DelayedPlanRecord>();
    expectTypeOf<Root.PlanDependency>().toEqualTypeOf<Adapter.PlanDependency>();
  });

  it('the types the World API uses stay at the root, the same as in flowline/adapter', () => {
    expectTypeOf<Root.PersistenceAdapter>().toEqualTypeOf<Adapter.PersistenceAdapter>();
    expectTypeOf<Root.WorldRecord>().toEqualTypeOf<Adapter.WorldRecord>();
    expectTypeOf<Root.StepLogLine>().toEqualTypeOf<Adapter.StepLogLine>();
    expectTypeOf<Root.PlanFilter>().toEqualTypeOf<Adapter.PlanFilter>();
    expectTypeOf<Root.MemoryAdapter>().toEqualTypeOf<Adapter.MemoryAdapter>();
  });
});
